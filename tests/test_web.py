"""The web shell: Chinese first, English available, htmx partials, no CDN, CSP."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from zhike.archive.models import Customer
from zhike.engagement.services import follow_up_record
from zhike.policy.loader import load_policy as _load_policy

from .conftest import Company
from .factories import PASSWORD

POLICY = _load_policy("general")


def test_web_login_page_is_chinese_by_default(db: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert "用户名" in response.text and "密码" in response.text


def test_web_english_is_selectable(company: Company) -> None:
    client = company.client("alice")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/customers/")
    assert '<html lang="en">' in response.text
    assert "Customers" in response.text and "New customer" in response.text


def test_web_login_then_workbench(company: Company) -> None:
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "工作台" in response.text and "我的客户" in response.text


def test_web_wrong_password_says_so_in_chinese(company: Company) -> None:
    response = Client().post("/login/", {"username": "alice", "password": "wrong"})
    assert "用户名或密码错误" in response.text


def test_web_pages_need_login(db: None) -> None:
    for url in ("/", "/customers/", "/customers/1/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_web_htmx_search_returns_only_the_results_partial(company: Company) -> None:
    client = company.client("gm")
    response = client.get("/customers/", {"q": "贝塔"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results">')
    assert "<html" not in response.text
    assert "乙方贝塔商贸" in response.text and "甲方阿尔法科技" not in response.text


def cleared_push(client: Client) -> str:
    empty_form = {"q": "", "status": "", "customer_type": "", "owner": "", "page": "1"}
    return client.get("/customers/", empty_form, headers={"HX-Request": "true"})["HX-Push-Url"]


def test_imp_2_htmx_filter_change_refreshes_export_link_and_save_view_form(
    company: Company,
) -> None:
    """A filter changed in place must not leave the export link or the save-as-view form
    on the old filters: they come back out of band with the results."""
    client = company.client("gm")
    response = client.get(
        "/customers/", {"q": "贝塔", "status": "potential"}, headers={"HX-Request": "true"}
    )
    export = re.search(r'<a id="export-link"[^>]*>', response.text)
    assert export and 'hx-swap-oob="true"' in export.group(0)
    assert "/customers/export/?q=%E8%B4%9D%E5%A1%94&amp;status=potential" in export.group(0)
    save_view = response.text[response.text.index('<span id="save-view"') :]
    assert 'name="q" value="贝塔"' in save_view and 'name="status" value="potential"' in save_view
    assert '<span id="clear-filters" hx-swap-oob="true"><a href="/customers/">' in response.text
    # Filters cleared: the same parts come back empty, not left over from before.
    cleared = client.get("/customers/", headers={"HX-Request": "true"}).text
    assert 'href="/customers/export/?"' in cleared
    assert '<span id="save-view" hx-swap-oob="true"></span>' in cleared
    # The address bar shows the filters that are set (and the page), not the empty fields.
    assert response["HX-Push-Url"] == "/customers/?q=%E8%B4%9D%E5%A1%94&status=potential"
    assert cleared_push(client) == "/customers/"
    # The whole page carries the same parts without the out-of-band marker.
    page = client.get("/customers/", {"q": "贝塔"}).text
    assert '<a id="export-link" class="button" href="/customers/export/?q=' in page
    assert "hx-swap-oob" not in page


def test_web_create_and_edit_through_forms(company: Company) -> None:
    client = company.client("alice")
    form = {"customer_type": "enterprise", "status": "potential", "phone": "13900001111"}
    response = client.post("/customers/new/", {**form, "name": "新客户甲"})
    customer = Customer.objects.get(name="新客户甲")
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == company.users["alice"]
    client.post(f"/customers/{customer.pk}/edit/", {**form, "name": "新客户乙", "status": "intent"})
    page = client.get(f"/customers/{customer.pk}/?tab=history")
    assert "新客户乙" in page.text
    # Change history on the detail page, in field labels and status labels.
    assert "客户名称:新客户甲 → 新客户乙" in page.text
    assert "状态:潜在客户 → 意向客户" in page.text


def test_web_edit_without_permission_shows_a_clear_error(company: Company) -> None:
    target = company.customers["A"]
    response = company.client("cs").post(
        f"/customers/{target.pk}/edit/",
        {"name": "x", "status": "potential", "customer_type": "enterprise", "phone": ""},
    )
    assert "您没有修改客户的权限" in response.text
    target.refresh_from_db()
    assert target.name != "x"


def test_web_masked_phone_in_list_for_roles_without_the_right(company: Company) -> None:
    target = company.customers["B"]
    page = company.client("cs").get("/customers/")
    assert target.phone not in page.text
    assert target.phone[:3] + "****" + target.phone[-4:] in page.text


def test_web_every_asset_is_served_by_the_project(company: Company) -> None:
    client = company.client("alice")
    page = client.get("/customers/").text + client.get("/").text
    assets = set(re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page))
    assert assets, "the page links its assets"
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert "http://" not in page and "https://" not in page


def test_web_csp_header_forbids_other_origins(company: Company) -> None:
    response = company.client("alice").get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_web_healthz_answers_json(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_web_admin_for_admins_only(company: Company) -> None:
    assert company.client("admin").get("/admin/").status_code == 200
    assert company.client("gm").get("/admin/").status_code == 302


# session, user with its department, roles' scopes, department tree, page rows (with their
# count), permissions, (list: the 负责人 filter's users; detail: audit events); the
# navigation's badges.
PINNED_QUERIES = {"list": 9, "detail": 8}


@pytest.mark.parametrize("url_name", sorted(PINNED_QUERIES))
def test_web_query_counts_are_pinned(
    company: Company, django_assert_max_num_queries, url_name: str
) -> None:
    # Add rows so an N+1 would show: the count must not grow with the page size.
    from .factories import CustomerFactory

    CustomerFactory.create_batch(30, owner=company.users["bob"])
    client = company.client("mgr")
    url = "/customers/" if url_name == "list" else f"/customers/{company.customers['B'].pk}/"
    client.get(url)  # warm caches (content types, session)
    with django_assert_max_num_queries(PINNED_QUERIES[url_name]):
        assert client.get(url).status_code == 200


def test_api_list_query_count_is_pinned(company: Company, django_assert_max_num_queries) -> None:
    from .factories import CustomerFactory

    CustomerFactory.create_batch(30, owner=company.users["bob"])
    api = company.api("mgr")
    api.get("/api/v1/customers")
    # token+user+scopes, department tree, the rows with their count, permissions
    with django_assert_max_num_queries(4):
        assert api.get("/api/v1/customers?limit=20").json()["count"] == 33


def test_web_chinese_even_for_an_english_browser(db: None) -> None:
    response = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get("/login/")
    assert '<html lang="zh-hans">' in response.text


def test_arc_360_page_tabs_contacts_and_timeline(company: Company) -> None:
    client = company.client("alice")
    target = company.customers["A"]
    url = f"/customers/{target.pk}/"
    added = client.post(
        url + "?tab=contacts",
        {"name": "曾经理", "phone": "13800009999", "is_key_person": "on"},
        headers={"HX-Request": "true"},
    )
    assert added.text.lstrip().startswith('<div id="tab">')
    assert "曾经理" in added.text and "★" in added.text
    bad = client.post(
        url + "?tab=contacts", {"name": "甲", "phone": "123"}, headers={"HX-Request": "true"}
    )
    assert "电话号码" in bad.text
    tab = client.get(url + "?tab=timeline", headers={"HX-Request": "true"}).text
    assert f'hx-get="/customers/{target.pk}/follow-ups/"' in tab
    logged = client.post(
        f"/customers/{target.pk}/follow-ups/",
        {"kind": "call", "content": "电话回访", "next_step": "下周拜访"},
        headers={"HX-Request": "true"},
    )
    assert logged.text.lstrip().startswith('<div id="follow-ups">')
    assert "电话回访" in logged.text and "下周拜访" in logged.text and "已记录跟进" in logged.text
    history = client.get(url + "?tab=history").text
    assert "添加联系人" in history
    page = client.get(url).text
    assert "基本信息" in page and "最近联系" in page


def test_arc_360_contacts_phone_masked_without_the_right(company: Company) -> None:
    from zhike.archive.services import contact_add

    target = company.customers["B"]
    contact_add(
        policy=POLICY,
        by=company.users["bob"],
        customer_id=target.pk,
        data={"name": "王五", "phone": "13811112222"},
    )
    page = company.client("cs").get(f"/customers/{target.pk}/?tab=contacts").text
    assert "13811112222" not in page and "138****2222" in page


def test_arc_360_tab_bar_follows_the_htmx_tab(company: Company) -> None:
    url = f"/customers/{company.customers['A'].pk}/?tab=contacts"
    part = company.client("alice").get(url, headers={"HX-Request": "true"}).text
    assert 'href="?tab=contacts" hx-get="?tab=contacts" aria-current="page"' in part


def test_web_customer_form_blank_choices_read_chinese(company: Company) -> None:
    page = company.client("alice").get("/customers/new/").text
    assert "请选择" in page and "Select an option" not in page


# 360° tabs: session, user, scopes, department tree, customer, its tab's rows (basic: tags),
# merged-away codes (history); the navigation's badges (one statement).
PINNED_TAB_QUERIES = {"basic": 7, "contacts": 7, "history": 8, "timeline": 7}


@pytest.mark.parametrize("tab", sorted(PINNED_TAB_QUERIES))
def test_arc_360_tabs_have_pinned_query_counts(
    company: Company, django_assert_max_num_queries, tab: str
) -> None:
    from django.utils import timezone

    from zhike.archive.services import contact_add

    target = company.customers["A"]
    alice = company.users["alice"]
    for i in range(10):  # rows, so that an N+1 would show
        contact_add(policy=POLICY, by=alice, customer_id=target.pk, data={"name": f"联系人{i}"})
        follow_up_record(
            policy=POLICY,
            by=alice,
            customer_id=target.pk,
            now=timezone.now(),
            **{"kind": "call", "content": f"第{i}次"},
        )
    client = company.client("alice")
    url = f"/customers/{target.pk}/?tab={tab}"
    client.get(url)
    with django_assert_max_num_queries(PINNED_TAB_QUERIES[tab]):
        assert client.get(url).status_code == 200
    if tab == "timeline":  # the tab's follow-ups come from engagement's fragment
        fragment = f"/customers/{target.pk}/follow-ups/"
        client.get(fragment, headers={"HX-Request": "true"})
        # follow-ups (+ attachments), grade changes, archive changes (+ merged ids): one
        # query each, whatever the number of rows
        with django_assert_max_num_queries(12):
            page = client.get(fragment, headers={"HX-Request": "true"})
        assert page.status_code == 200 and page.text.count('class="state-done"') == 10


def test_web_the_api_docs_link_is_in_the_user_menu_not_the_main_navigation(
    company: Company,
) -> None:
    """Issue 13 item 24."""
    page = company.client("alice").get("/").content.decode()
    nav = page[page.index('class="mainnav"') : page.index("</nav>")]
    assert "/api/v1/docs" not in nav
    menu = page[page.index('class="usermenu"') :]
    assert "/api/v1/docs" in menu[: menu.index("</details>")]


def test_eng_360_the_summary_shows_grade_trade_open_items_and_key_persons(
    company: Company, django_assert_max_num_queries
) -> None:
    from django.utils import timezone

    from zhike.archive.services import contact_add
    from zhike.grading.models import Standing
    from zhike.policy.loader import load_policy

    policy = load_policy("general")
    target = company.customers["A"]
    Standing.objects.create(
        customer=target, grade="A", tier="core", priority=2, since=timezone.now()
    )
    contact_add(
        policy=policy,
        by=company.users["alice"],
        customer_id=target.pk,
        data={"name": "曾经理", "is_key_person": True, "profile": {"birthday": "1980-05-01"}},
    )
    follow_up_record(
        by=company.users["alice"],
        customer_id=target.pk,
        kind="call",
        content="电话沟通样品事宜",
        next_step="寄样品",
        next_at=timezone.now() + timedelta(days=2),
        now=timezone.now(),
        policy=policy,
    )
    client = company.client("alice")
    assert (
        f'hx-get="/customers/{target.pk}/summary/"' in client.get(f"/customers/{target.pk}/").text
    )
    client.get(f"/customers/{target.pk}/summary/")
    # 12, whether the customer is locked (OWN), its open complaints the reader may see (SRV)
    with django_assert_max_num_queries(14):
        page = client.get(f"/customers/{target.pk}/summary/").text
    assert "核心客户" in page and f"/customers/{target.pk}/grading/" in page
    assert "跟进:甲方阿尔法科技(寄样品)" in page and "曾经理" in page and "1980-05-01" in page
    assert "下次联系" in page
    assert company.client("bob").get(f"/customers/{target.pk}/summary/").status_code == 404


def test_web_the_navigation_shows_each_persona_the_links_its_rights_allow(company: Company) -> None:
    """Every persona's navigation: the links its permissions allow, the current section
    marked, the credit link the one its work needs (the aging for who keeps the books,
    else the reviews), and the system settings for staff only."""
    import re

    from .conftest import PERSONAS

    always = ["工作台", "审批", "客户", "统计分析", "拜访进度", "分级待遇", "管理制度"]
    for name in [*PERSONAS, "admin"]:
        user = company.users[name]
        page = company.client(name).get("/customers/").content.decode()
        nav = page[page.index('class="mainnav"') : page.index("</nav>")]
        labels = re.findall(r'<a href="[^"]+"\s*(?:aria-current="page")?\s*>\s*([^<\s]+)', nav)
        expected = set(always)
        if user.has_perm("ownership.claim_customer") or user.has_perm("ownership.assign_customer"):
            expected.add("公海")
        if any(
            user.has_perm(f"servicedesk.{p}")
            for p in ("view_complaint", "add_complaint", "handle_complaint")
        ):
            expected.add("客户投诉")
        if user.has_perm("trade.add_invoice"):
            expected.add("应收账龄")
        elif user.has_perm("credit.run_credit_review"):
            expected.add("信用评审")
        if user.has_perm("grading.run_review"):
            expected.add("分级评审")
        if user.has_perm("workflow.view_calendaroverride"):
            expected.add("工作日历")
        if user.is_staff:
            expected.add("系统设置")
        assert set(labels) == expected, name
        assert re.search(r'href="/customers/"\s*aria-current="page"\s*>客户<', nav), name
        assert nav.count('aria-current="page"') == 1, name
