"""ARC-7 on the web: pick a duplicate, compare, confirm."""

from zhike.archive.models import Customer

from .conftest import Company
from .factories import CustomerFactory


def test_arc_7_merge_page(company: Company) -> None:
    keep = company.customers["A"]
    duplicate = CustomerFactory(
        owner=company.users["alice"], name="甲方阿尔法科技有限公司", phone=keep.phone
    )
    client = company.client("alice")
    page = client.get(f"/customers/{keep.pk}/merge/").content.decode()
    assert "可能重复" in page and duplicate.code in page  # the same phone
    compare = client.get(f"/customers/{keep.pk}/merge/?code={duplicate.code}").content.decode()
    assert "确认把“甲方阿尔法科技有限公司”并入本客户" in compare
    done = client.post(f"/customers/{keep.pk}/merge/?merge={duplicate.pk}")
    assert done.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == keep.pk
    # A code outside the scope reads as missing; merging into itself is refused.
    hidden = company.customers["B"].code
    assert (
        "客户不存在或无权查看"
        in client.get(f"/customers/{keep.pk}/merge/?code={hidden}").content.decode()
    )
    assert (
        "不能把客户合并到它自己"
        in client.get(f"/customers/{keep.pk}/merge/?merge={keep.pk}").content.decode()
    )
    assert Customer.objects.filter(merged_into__isnull=True, pk=keep.pk).exists()
