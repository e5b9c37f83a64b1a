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


def test_arc_list_saved_views(company: Company) -> None:
    from zhike.archive.models import SavedView

    client = company.client("alice")
    saved = client.post(
        "/customers/views/", {"name": "我的重点跟进", "q": "科技", "status": "intent"}
    )
    assert saved.status_code == 302 and saved["Location"].endswith(
        "?q=%E7%A7%91%E6%8A%80&status=intent"
    )
    page = client.get("/customers/").content.decode()
    assert "我的重点跟进" in page and "?q=%E7%A7%91%E6%8A%80&amp;status=intent" in page
    client.post(
        "/customers/views/", {"name": "我的重点跟进", "status": "deal"}
    )  # same name: replaced
    assert SavedView.objects.get().query == "status=deal"
    empty = client.post("/customers/views/", {"name": "空", "q": ""}, follow=True)
    assert "当前没有筛选条件可保存" in empty.content.decode()
    assert "我的重点跟进" not in company.client("bob").get("/customers/").content.decode()
    client.post("/customers/views/", {"delete": SavedView.objects.get().pk})
    assert not SavedView.objects.exists()
