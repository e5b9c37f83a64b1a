"""The REST API: token auth, throttling, one error shape, create/update rules."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings

from zhike.archive.models import Customer
from zhike.org.models import ApiToken

from .conftest import Company
from .factories import PASSWORD

JSON = "application/json"


def error_shape(body: dict) -> bool:
    return set(body) == {"code", "message", "errors"} and all(
        set(e) == {"field", "message"} for e in body["errors"]
    )


def test_api_token_for_good_credentials_then_bearer_works(company: Company) -> None:
    client = Client()
    response = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": PASSWORD}, content_type=JSON
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200
    assert listing.json()["count"] == 1


def test_api_token_last_used_is_stamped_at_most_once_per_interval(
    company: Company, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.ZHIKE_API_TOKEN_TOUCH = 300
    client = Client()
    token = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": PASSWORD}, content_type=JSON
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    stored = ApiToken.objects.get(user__username="alice")
    assert stored.last_used_at is None
    client.get("/api/v1/customers/count", headers=bearer)
    stored.refresh_from_db()
    first_use = stored.last_used_at
    assert first_use is not None
    # Within the interval: the token with the user and its roles' scopes, the count; no write.
    with django_assert_num_queries(2):
        client.get("/api/v1/customers/count", headers=bearer)
    stored.refresh_from_db()
    assert stored.last_used_at == first_use
    ApiToken.objects.filter(pk=stored.pk).update(last_used_at=first_use - timedelta(seconds=301))
    client.get("/api/v1/customers/count", headers=bearer)
    stored.refresh_from_db()
    assert stored.last_used_at >= first_use


def test_api_bad_credentials_401_in_error_shape(company: Company) -> None:
    response = Client().post(
        "/api/v1/auth/token", {"username": "alice", "password": "wrong"}, content_type=JSON
    )
    assert response.status_code == 401
    assert error_shape(response.json())
    assert response.json()["message"] == "用户名或密码错误"


def test_api_invalid_token_is_401(company: Company) -> None:
    response = Client().get("/api/v1/customers", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert error_shape(response.json())


@override_settings(AXES_FAILURE_LIMIT=3)
def test_api_token_throttled_after_repeated_failures(company: Company) -> None:
    client = Client()
    for _ in range(3):
        client.post("/api/v1/auth/token", {"username": "alice", "password": "x"}, content_type=JSON)
    response = client.post(
        "/api/v1/auth/token", {"username": "alice", "password": PASSWORD}, content_type=JSON
    )
    assert response.status_code == 429
    assert error_shape(response.json())
    # Another user from the same address is not locked out.
    other = client.post(
        "/api/v1/auth/token", {"username": "bob", "password": PASSWORD}, content_type=JSON
    )
    assert other.status_code == 200


def test_api_create_sets_owner_department_and_code(company: Company) -> None:
    response = company.api("alice").post(
        "/api/v1/customers",
        {"name": "  河北纪元光电有限公司 ", "phone": "13812345678"},
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.name == "河北纪元光电有限公司"
    assert customer.owner == company.users["alice"]
    assert customer.department == company.departments["sales1"]
    assert customer.code.startswith("KH")


@pytest.mark.parametrize("field", ["owner", "owner_id", "department", "created_by", "code"])
def test_api_fields_the_caller_may_not_set_are_400(company: Company, field: str) -> None:
    before = Customer.objects.count()
    response = company.api("alice").post(
        "/api/v1/customers", {"name": "新客户", field: 1}, content_type=JSON
    )
    assert response.status_code == 400
    assert error_shape(response.json())
    assert response.json()["errors"] == [{"field": field, "message": "不允许设置此字段"}]
    assert Customer.objects.count() == before
    target = company.customers["A"]
    patch = company.api("alice").patch(
        f"/api/v1/customers/{target.pk}", {field: 1}, content_type=JSON
    )
    assert patch.status_code == 400
    target.refresh_from_db()
    assert target.owner == company.users["alice"]


def test_api_validation_errors_name_the_field(company: Company) -> None:
    response = company.api("alice").post(
        "/api/v1/customers", {"status": "nonsense"}, content_type=JSON
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "status"}
    bad_limit = company.api("alice").get("/api/v1/customers?limit=100000")
    assert bad_limit.status_code == 400
    assert bad_limit.json()["errors"][0]["field"] == "limit"


def test_api_roles_without_add_permission_get_403(company: Company) -> None:
    response = company.api("fin").post("/api/v1/customers", {"name": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert error_shape(response.json())


def test_api_pagination_limit_offset_and_count(company: Company) -> None:
    api = company.api("gm")
    first = api.get("/api/v1/customers?limit=3&offset=0").json()
    second = api.get("/api/v1/customers?limit=3&offset=3").json()
    assert first["count"] == second["count"] == 4
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)


def test_sec_5_phone_masked_for_all_but_the_owner_and_revealed_with_the_right(
    company: Company,
) -> None:
    from zhike.audit.models import Event

    target = company.customers["B"]
    masked = target.phone[:3] + "****" + target.phone[-4:]
    for persona in ("cs", "gm"):
        assert company.api(persona).get(f"/api/v1/customers/{target.pk}").json()["phone"] == masked
    assert company.api("bob").get(f"/api/v1/customers/{target.pk}").json()["phone"] == target.phone
    revealed = company.api("gm").post(f"/api/v1/customers/{target.pk}/phone")
    assert revealed.status_code == 200
    assert revealed.json()["phone"] == target.phone
    (event,) = Event.objects.filter(action="customer.phone_revealed")
    assert (event.actor, event.object_id) == (company.users["gm"], target.pk)
    refused = company.api("cs").post(f"/api/v1/customers/{target.pk}/phone")
    assert refused.status_code == 403
    assert company.api("alice").post(f"/api/v1/customers/{target.pk}/phone").status_code == 404
    assert Event.objects.filter(action="customer.phone_revealed").count() == 1


def test_api_server_error_never_leaks_a_trace(company: Company, monkeypatch) -> None:
    from zhike.archive import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "customer_page", explode)
    response = company.api("gm").get("/api/v1/customers")
    assert response.status_code == 500
    assert error_shape(response.json())
    assert "secret" not in response.text and "Traceback" not in response.text


def test_api_openapi_document_and_docs_page_served_locally(company: Company) -> None:
    spec = Client().get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/auth/token"} <= set(
        paths
    )
    docs = company.client("gm").get("/api/v1/docs")
    assert docs.status_code == 200
    # Every script and stylesheet from the project: no CDN host, no absolute URL. (A bare
    # "cdn" could turn up inside the page's random CSRF token, as it once did.)
    sources = re.findall(r'(?:src|href)="([^"]*)"', docs.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "https://" not in docs.text and "//cdn" not in docs.text.lower()


def test_api_session_auth_for_the_web_ui(company: Company) -> None:
    response = company.client("alice").get("/api/v1/customers")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("get", "/api/v1/no-such-thing", 404), ("delete", "/api/v1/customers", 405)],
)
def test_api_errors_outside_the_routers_have_the_same_shape(
    company: Company, method: str, url: str, status: int
) -> None:
    response = getattr(company.api("gm"), method)(url)
    assert response.status_code == status
    assert error_shape(response.json())


def test_api_contacts_and_interactions_round_trip(company: Company) -> None:
    api = company.api("alice")
    target = company.customers["A"]
    added = api.post(
        f"/api/v1/customers/{target.pk}/contacts",
        {
            "name": "单田芳",
            "title": "采购经理",
            "phone": "138 0000 5555",
            "is_key_person": True,
            "profile": {"birthday": "1980-05-01"},
        },
        content_type=JSON,
    )
    assert added.status_code == 201
    assert added.json()["phone"] == "13800005555"
    logged = api.post(
        "/api/v1/follow-ups",
        {
            "customer_id": target.pk,
            "kind": "visit",
            "content": "拜访并演示新品",
            "next_step": "报价",
        },
        content_type=JSON,
    )
    assert logged.status_code == 201 and logged.json()["kind_label"] == "拜访"
    timeline = api.get(f"/api/v1/follow-ups?customer_id={target.pk}").json()
    assert [i["content"] for i in timeline] == ["拜访并演示新品"]
    detail = api.get(f"/api/v1/customers/{target.pk}").json()
    assert detail["last_contact_at"] is not None
    bad = api.post(
        f"/api/v1/customers/{target.pk}/contacts", {"name": "甲", "phone": "123"}, content_type=JSON
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "phone"


def test_api_create_with_the_archive_fields(company: Company) -> None:
    response = company.api("alice").post(
        "/api/v1/customers",
        {
            "name": "张伟",
            "customer_type": "individual",
            "source": "referral",
            "referrer_name": "李老板",
            "province": "广东省",
            "city": "深圳市",
            "id_number": "11010519491231002X",
            "phone": "+86 13912345678",
        },
        content_type=JSON,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["has_id_number"] is True and "id_number" not in body
    assert body["phone"] == "13912345678" and body["source"] == "referral"
    bad = company.api("alice").post(
        "/api/v1/customers", {"name": "X", "uscc": "123"}, content_type=JSON
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"field": "uscc", "message": "统一社会信用代码应为 18 位"}]


def test_api_list_count_stops_at_the_cap_and_says_so(company: Company, settings) -> None:
    """A filtered list counts up to the cap; the whole scope is exact (the tallies)."""
    settings.ZHIKE_LIST_COUNT_CAP = 2
    api = company.api("gm")
    page = api.get("/api/v1/customers?limit=1&status=potential").json()
    assert page["count"] == 2 and page["count_capped"] is True
    assert api.get("/api/v1/customers/count?status=potential").json() == {"count": 4}
    whole = api.get("/api/v1/customers?limit=1").json()
    assert whole["count"] == 4 and whole["count_capped"] is False  # exact, past the cap
    settings.ZHIKE_LIST_COUNT_CAP = 10
    page = api.get("/api/v1/customers?limit=1&status=potential").json()
    assert page["count"] == 4 and page["count_capped"] is False
    listing = company.client("gm").get("/customers/?page=1")
    assert "共 4 个客户" in listing.text


def test_arc_list_page_carries_its_count_in_the_same_statement(company: Company) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = company.api("gm")
    with CaptureQueriesContext(connection) as queries:
        page = api.get("/api/v1/customers?limit=1&status=potential").json()
    rows = [q["sql"] for q in queries if "archive_customer" in q["sql"]]
    assert len(rows) == 1 and "COUNT(*)" in rows[0]
    assert page["count"] == 4 and len(page["items"]) == 1
    assert "page_count_" not in page["items"][0]
    # The whole scope: its exact total summed from the tallies, in the same statement.
    with CaptureQueriesContext(connection) as queries:
        whole = api.get("/api/v1/customers?limit=1").json()
    rows = [q["sql"] for q in queries if "archive_customer" in q["sql"]]
    assert len(rows) == 1 and "archive_customertally" in rows[0] and "COUNT(*)" not in rows[0]
    assert whole["count"] == 4
    # A page past the end has no row to carry the count: it is counted by itself.
    past = api.get("/api/v1/customers?limit=2&offset=10&status=potential").json()
    assert past == {"count": 4, "count_capped": False, "items": []}
    # A search (search_plan): the window's bounds, then the ids of the page with its
    # count (the window is the whole table here), then the page's rows. No COUNT(*).
    with CaptureQueriesContext(connection) as queries:
        found = api.get("/api/v1/customers?q=科技&limit=50").json()
    rows = [q["sql"] for q in queries if "archive_customer" in q["sql"]]
    assert len(rows) == 3 and not any("COUNT(*)" in sql for sql in rows)
    assert found["count"] == len(found["items"]) > 0
    full = api.get("/api/v1/customers?q=科技&limit=1").json()
    assert full["count"] == found["count"] and len(full["items"]) == 1
    assert api.get("/api/v1/customers?q=无此客户").json()["count"] == 0


def test_api_list_deep_pages_read_the_same_rows(company: Company, monkeypatch) -> None:
    # Deep pages pick their ids first (selectors.DEEP_PAGE): same rows, same order.
    from zhike.archive import selectors

    api = company.api("gm")
    pages = [api.get(f"/api/v1/customers?limit=2&offset={o}").json() for o in (1, 2)]
    monkeypatch.setattr(selectors, "DEEP_PAGE", 1)
    deep = [api.get(f"/api/v1/customers?limit=2&offset={o}").json() for o in (1, 2)]
    assert [[c["id"] for c in p["items"]] for p in deep] == [
        [c["id"] for c in p["items"]] for p in pages
    ]
    assert [len(p["items"]) for p in deep] == [2, 2] and deep[0]["count"] == 4


def test_org_2_list_pages_pick_their_ids_per_scope_branch(company: Company) -> None:
    """A scoped list picks its page's ids first, each branch of the scope (own records;
    each department reached) on its own index, then reads those rows: a plan PostgreSQL
    cannot turn into a backward walk of the primary key filtered on the scope. The pages
    are the same rows, in the same order, as the scope's whole filter gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhike.archive.selectors import customer_page, filtered_customers

    from .factories import CustomerFactory

    alice, bob = company.users["alice"], company.users["bob"]
    for owner in (alice, bob, alice, company.users["carol"], bob):
        CustomerFactory(owner=owner, status="deal")
    for persona in ("alice", "mgr", "gm", "cs"):
        user = company.users[persona]
        for filters in ({}, {"status": "deal"}, {"q": "科技"}):
            expected = list(
                filtered_customers(user, **filters).order_by("-id").values_list("id", flat=True)
            )
            for offset in (0, 2):
                page = customer_page(user, limit=2, offset=offset, **filters)
                assert [c.pk for c in page.items] == expected[offset : offset + 2], (
                    persona,
                    filters,
                    offset,
                )

    def page_sql(persona: str, query: str = "") -> str:
        with CaptureQueriesContext(connection) as queries:
            company.api(persona).get(f"/api/v1/customers?limit=3{query}")
        return " ".join(q["sql"] for q in queries)

    ids_first = re.compile(r'"archive_customer"\."id" IN \(SELECT .* LIMIT 3\)')
    assert ids_first.search(page_sql("alice"))
    assert ids_first.search(page_sql("mgr", f"&owner={alice.pk}"))
    department = page_sql("mgr")
    if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL
        assert " UNION " in department
    else:
        assert ids_first.search(department)
    assert not ids_first.search(page_sql("gm"))  # sees everything: no branch to pick by


def test_arc_search_two_character_fragment_uses_the_same_rule(company: Company) -> None:
    # Two Chinese characters take the bigram path on PostgreSQL, the LIKE path on SQLite:
    # same answer.
    api = company.api("gm")
    names = {c["name"] for c in api.get("/api/v1/customers", {"q": "贝塔"}).json()["items"]}
    assert names == {"乙方贝塔商贸"}
    assert api.get("/api/v1/customers", {"q": "塔贝"}).json()["count"] == 0


def test_arc_list_filters_by_type_source_size_region_and_owner(company: Company) -> None:
    from .factories import CustomerFactory

    alice, bob = company.users["alice"], company.users["bob"]
    shop = CustomerFactory(
        owner=alice, customer_type="individual", province="河北省", city="石家庄市"
    )
    fair = CustomerFactory(owner=bob, source="exhibition", size="large", industry="光电")
    mgr = company.api("mgr")

    def ids(query: str, api: Any = mgr) -> set[int]:
        return {c["id"] for c in api.get(f"/api/v1/customers?{query}").json()["items"]}

    assert ids("customer_type=individual") == {shop.pk}
    assert ids("province=河北&city=石家庄") == {shop.pk}
    assert ids("source=exhibition&size=large&industry=光电") == {fair.pk}
    assert ids(f"owner={bob.pk}") == {fair.pk, company.customers["B"].pk}
    assert mgr.get(f"/api/v1/customers/count?owner={bob.pk}").json() == {"count": 2}
    # The data scope still applies: alice filtering by bob sees nothing of his
    assert ids(f"owner={bob.pk}", company.api("alice")) == set()
    # A value that is not a choice is a 400 in the API …
    assert mgr.get("/api/v1/customers?size=huge").status_code == 400
    # … and on the page the filter is dropped (an old bookmark still opens the list)
    page = company.client("mgr").get("/customers/?size=huge&province=河北")
    assert shop.name in page.text and fair.name not in page.text
    # The page offers 负责人 to those who see others' customers, not to a salesperson
    assert "全部负责人" in page.text
    assert "全部负责人" not in company.client("alice").get("/customers/").text


def test_imp_2_export_and_saved_view_keep_the_new_filters(company: Company) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from zhike.archive.models import SavedView

    from .factories import CustomerFactory

    target = CustomerFactory(owner=company.users["alice"], province="河北省")
    client = company.client("alice")
    response = client.get("/customers/export/?province=河北")
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)
    assert [r[1] for r in rows[1:]] == [target.name]
    client.post("/customers/views/", {"name": "河北客户", "province": "河北"})
    assert SavedView.objects.get(user=company.users["alice"]).query == "province=%E6%B2%B3%E5%8C%97"


def test_arc_search_index_follows_renames(company: Company) -> None:
    # SQLite answers 3+ characters from its FTS5 trigram index, kept by triggers; the
    # results must be those of the key itself after every kind of write.
    api = company.api("alice")
    created = api.post("/api/v1/customers", {"name": "河北纪元光电有限公司"}, content_type=JSON)
    customer_id = created.json()["id"]

    def found(q: str) -> bool:
        return customer_id in {c["id"] for c in api.get(f"/api/v1/customers?q={q}").json()["items"]}

    assert found("纪元光电") and found("hbjy") and found("hebeijiyuan")
    api.patch(f"/api/v1/customers/{customer_id}", {"name": "石家庄晨星科技"}, content_type=JSON)
    assert found("晨星科技") and found("sjzcx")
    assert not found("纪元光电") and not found("hbjy")
    assert not found('"晨星')  # a quote in the box is text, not FTS syntax


def test_arc_3_tags_set_listed_filtered_and_in_history(company: Company) -> None:
    customer = company.customers["A"]
    api = company.api("alice")
    url = f"/api/v1/customers/{customer.pk}/tags"
    response = api.put(url, {"tags": [" 重点跟进 ", "华北", "华北", ""]}, content_type=JSON)
    assert response.status_code == 200 and response.json() == ["华北", "重点跟进"]
    assert api.get(url).json() == ["华北", "重点跟进"]
    listed = api.get("/api/v1/customers?tag=华北").json()["items"]
    assert [c["id"] for c in listed] == [customer.pk]
    # Bad input: a clear error, nothing changed
    too_long = api.put(url, {"tags": ["长" * 31]}, content_type=JSON)
    assert too_long.status_code == 400 and "30" in too_long.json()["message"]
    assert api.get(url).json() == ["华北", "重点跟进"]
    # Outside the scope: not found; without the right to change: refused
    assert company.api("bob").put(url, {"tags": ["x"]}, content_type=JSON).status_code == 404
    assert company.api("fin").put(url, {"tags": ["x"]}, content_type=JSON).status_code == 403
    # The 360° page shows and edits them (commas of either width or 、), with history
    page = company.client("alice")
    page.post(f"/customers/{customer.pk}/?tab=basic", {"tags": "华北，老客户、重点跟进"})
    assert api.get(url).json() == ["华北", "老客户", "重点跟进"]
    history = page.get(f"/customers/{customer.pk}/?tab=history").text
    assert "修改标签" in history and "老客户" in history
