"""Archive input that once corrupted records or broke whole pages (issue 13)."""

import pytest
from django.db import IntegrityError, transaction

from zhike.archive.models import Customer, CustomerStatus
from zhike.errors import RuleError

from .conftest import Company

JSON = "application/json"


@pytest.mark.parametrize("field", ["status", "customer_type", "name"])
def test_arc_5_null_for_a_required_choice_is_refused_and_nothing_changes(
    company: Company, field: str
) -> None:
    customer = company.customers["A"]
    before = Customer.objects.values().get(pk=customer.pk)
    response = company.api("alice").patch(
        f"/api/v1/customers/{customer.pk}", {field: None}, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert Customer.objects.values().get(pk=customer.pk) == before
    assert company.api("alice").get(f"/api/v1/customers/{customer.pk}").status_code == 200


def test_arc_5_an_empty_status_is_refused_by_the_service(company: Company) -> None:
    from zhike.archive.services import customer_update
    from zhike.policy.loader import load_policy

    with pytest.raises(RuleError, match="请选择状态") as caught:
        customer_update(
            by=company.users["alice"],
            customer_id=company.customers["A"].pk,
            data={"status": ""},
            policy=load_policy("general"),
        )
    assert caught.value.field == "status"


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", ""), ("status", "gone"), ("customer_type", ""), ("source", "x"), ("size", "x")],
)
def test_arc_5_the_database_refuses_a_value_outside_the_choices(
    company: Company, field: str, value: str
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=company.customers["A"].pk).update(**{field: value})
    assert Customer.objects.get(pk=company.customers["A"].pk).status == CustomerStatus.POTENTIAL


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f"])
def test_arc_3_control_characters_are_refused_at_input_with_the_field(
    company: Company, char: str
) -> None:
    api = company.api("alice")
    response = api.post("/api/v1/customers", {"name": f"甲{char}乙"}, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "name", "message": "不能包含控制字符"}]
    contact = api.post(
        f"/api/v1/customers/{company.customers['A'].pk}/contacts",
        {"name": "王五", "title": f"经理{char}"},
        content_type=JSON,
    )
    assert contact.status_code == 400
    assert not Customer.objects.filter(name__startswith="丙").exists()


def test_arc_3_control_characters_in_a_query_string_or_form_answer_400(company: Company) -> None:
    api = company.api("alice")
    assert api.get("/api/v1/customers?q=%00").status_code == 400
    assert api.get("/api/v1/customers?q=%01").json()["code"] == "invalid"
    web = company.client("alice")
    page = web.get("/customers/?q=%00")
    assert page.status_code == 400
    assert "控制字符" in page.content.decode()
    form = web.post(
        "/customers/new/",
        "name=%E7%94%B2%01",
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 400
    multipart = web.post("/customers/new/", {"name": "丁\x01戊"})  # the form says why
    assert "不能包含控制字符" in multipart.content.decode()
    assert not Customer.objects.filter(name__startswith="丁").exists()
    assert web.get("/customers/?q=%E7%94%B2%09").status_code == 200  # a tab is fine


def test_imp_2_export_survives_every_customer_name_the_input_accepts(company: Company) -> None:
    """The export that once answered 500 for the whole scope: a tab and a line feed are
    allowed and exported."""
    created = company.api("alice").post(
        "/api/v1/customers", {"name": "甲\t乙\n丙"}, content_type=JSON
    )
    assert created.status_code == 201
    response = company.client("alice").get("/customers/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_arc_3_the_form_shows_every_fields_error_at_once(company: Company) -> None:
    """Issue 13 item 18: the phone's error came first, the USCC's after a resubmit."""
    page = company.client("alice").post(
        "/customers/new/",
        {
            "name": "多错公司",
            "customer_type": "enterprise",
            "status": "potential",
            "phone": "12345",
            "uscc": "91110000XXXXXXXX",
        },
    )
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert set(errors) >= {"phone", "uscc"}
    assert not Customer.objects.filter(name="多错公司").exists()


def test_arc_3_the_api_names_every_bad_field(company: Company) -> None:
    response = company.api("alice").post(
        "/api/v1/customers",
        {"name": "多错公司", "phone": "12345", "uscc": "91110000XXXXXXXX"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["phone", "uscc"]


def test_arc_list_bad_page_owner_and_saved_view_ids_are_not_server_errors(
    company: Company,
) -> None:
    """Issue 13 item 16, the web half: values a bookmark or a probe may send."""
    client = company.client("gm")
    for path in (
        f"/customers/?page={10**30}",
        "/customers/?page=-5",
        "/customers/?page=abc",
        f"/customers/?owner={10**30}",
        f"/customers/{10**30}/",
    ):
        assert client.get(path).status_code in (200, 404), path
    assert client.post("/customers/views/", {"delete": "abc"}).status_code == 302
    assert client.post("/customers/views/", {"delete": str(10**30)}).status_code == 302


@pytest.mark.parametrize("next_at", ["2026-13-45", "abc", "2026-12-01T25:00"])
def test_eng_6_a_bad_next_time_is_said_on_the_form(company: Company, next_at: str) -> None:
    from zhike.engagement.models import FollowUp

    customer = company.customers["A"]
    page = company.client("alice").post(
        f"/customers/{customer.pk}/follow-ups/",
        {"kind": "call", "content": "电话", "next_at": next_at},
    )
    assert page.status_code == 200
    assert "时间格式应为 2026-12-01 09:30" in page.text
    assert not FollowUp.objects.filter(customer=customer).exists()
