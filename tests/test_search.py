"""Search by kind of key (issue 18, ARC search): the key's two sections, codes and USCCs by
their start, and the window plan (archive.search_plan), whose two phases — rows read in
the window, matches read from the indexes below it — must give the same answer as one
plain query, page by page and count by count."""

import importlib
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhike.archive.api import COLUMNS
from zhike.archive.models import Customer
from zhike.archive.one_customer import with_display_names
from zhike.archive.page_rows import page_rows
from zhike.archive.search import SECTION, search_text
from zhike.archive.seeding import fake_uscc
from zhike.archive.selectors import customer_page, customers_for, filtered_customers
from zhike.archive.services import contact_add, customer_create

from .base import planned_workers
from .conftest import Company
from .factories import CustomerFactory

relayout = importlib.import_module("zhike.archive.migrations.0023_search_keys_by_kind").relayout


def names(company: Company, persona: str, q: str) -> set[str]:
    response = company.api(persona).get("/api/v1/customers", {"q": q})
    assert response.status_code == 200
    return {item["name"] for item in response.json()["items"]}


def test_arc_search_key_holds_typed_keys_then_chinese_names() -> None:
    key = search_text(
        name="河北纪元光电有限公司",
        person=False,
        aliases=["KH2026000007"],
        phones=["13912345678"],
        contact_names=["单田芳", "Tom"],
    )
    typed, chinese = key.split(SECTION)
    assert typed == (
        "|hebeijiyuanguangdianyouxiangongsi|hbjygdyxgs|kh2026000007|13912345678"
        "|shantianfang|stf|tom|t|"
    )
    assert chinese == "|河北纪元光电有限公司|单田芳|"  # an ASCII name is its own pinyin


def test_arc_search_migration_rewrites_old_keys_without_code_or_uscc() -> None:
    old = (
        "河北纪元光电|hebeijiyuanguangdian|hbjygd|kh2026000001|kh2025000009"
        "|91130100ma0abcde1x|0311855512|单田芳|shantianfang|stf"
    )
    assert relayout(old, "kh2026000001", "91130100ma0abcde1x") == (
        "|hebeijiyuanguangdian|hbjygd|kh2025000009|0311855512|shantianfang|stf|"
        f"{SECTION}|河北纪元光电|单田芳|"
    )


def test_arc_search_codes_and_usccs_by_their_start_for_anyone_in_scope(
    company: Company, general_policy
) -> None:
    uscc = fake_uscc("浙江省", "宁波市", 4242)
    made = customer_create(
        by=company.users["alice"],
        policy=general_policy,
        data={"name": "宁波海纳材料有限公司", "phone": "13912345678", "uscc": uscc},
    )
    # The manager is not the owner: a USCC of digits only (9133020…) is still found by its
    # start, though a run of digits is otherwise a phone query (SEC-5).
    assert uscc[:10].isdigit()
    assert names(company, "mgr", uscc[:10]) == {"宁波海纳材料有限公司"}
    assert names(company, "mgr", uscc.lower()) == {"宁波海纳材料有限公司"}
    assert names(company, "mgr", made.code[:-1].lower()) >= {"宁波海纳材料有限公司"}
    assert names(company, "mgr", made.code) == {"宁波海纳材料有限公司"}
    # Not the middle of a code or a USCC, and still not the middle of a phone number.
    assert names(company, "mgr", made.code[3:]) == set()
    assert names(company, "mgr", uscc[4:12]) == set()
    assert names(company, "mgr", "3912345") == set()
    assert names(company, "mgr", "5678") == {"宁波海纳材料有限公司"}  # the tail is shown


def test_arc_search_a_contacts_phone_and_name_after_the_key_is_rebuilt(
    company: Company, general_policy
) -> None:
    made = customer_create(
        by=company.users["alice"], policy=general_policy, data={"name": "苏州天成物流有限公司"}
    )
    contact_add(
        policy=general_policy,
        by=company.users["alice"],
        customer_id=made.pk,
        data={"name": "欧阳娜", "phone": "13800001111"},
    )
    for q in ("欧阳娜", "ouyangna", "oyn", "1111", "13800001111", "天成物流"):
        assert names(company, "mgr", q) == {"苏州天成物流有限公司"}, q


KINDS = ["科技", "光电科技", "guangdian", "kjgs", "gd", "5678", "1380", "T0000", "无此", "zzz"]


@pytest.fixture
def crowd(company: Company) -> None:
    """300 customers over three owners, with names and phones that share their parts."""
    rng = random.Random(18)
    words = ["光电", "科技", "机械", "贸易"]
    owners = [company.users[p] for p in ("alice", "bob", "carol")]
    for i in range(300):
        name = f"{rng.choice(['河北', '苏州'])}{rng.choice(words)}{rng.choice(words)}公司{i}"
        phone = f"138{rng.randrange(10**4):04d}{rng.choice(['5678', '1234', '0000'])}"
        CustomerFactory(name=name, phone=phone, owner=rng.choice(owners))


@pytest.mark.parametrize(("probe", "window"), [(1, 1), (2, 7), (3, 60), (200, 4000)])
@pytest.mark.parametrize("persona", ["alice", "mgr", "gm"])
def test_arc_search_window_and_indexes_give_the_plain_querys_pages_and_counts(
    company: Company, crowd: None, settings, persona: str, probe: int, window: int
) -> None:
    # A probe and window of 1 send nearly every page to the indexes, 2 / 7 and 3 / 60 split
    # pages between the probe, the window and the indexes, 200 / 4000 hold everything:
    # each must answer as one plain query does.
    settings.ZHIKE_SEARCH_PROBE = probe
    settings.ZHIKE_SEARCH_WINDOW = window
    user = company.users[persona]
    for q in KINDS:
        plain = filtered_customers(user, q=q).order_by("-id").values_list("pk", flat=True)
        everything = list(plain)
        for offset, limit, cap in ((0, 50, 1000), (0, 10, 25), (20, 10, 1000), (40, 30, 45)):
            page = customer_page(user, q=q, limit=limit, offset=offset, count_cap=cap)
            assert [c.pk for c in page.items] == everything[offset : offset + limit], (q, offset)
            assert page.count == min(len(everything), cap), (q, offset, cap)
            assert page.count_capped == (len(everything) > cap)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_arc_search_below_the_window_never_walks_the_primary_key(
    company: Company, crowd: None, settings
) -> None:
    # Below the window the order is an expression (id + 0): PostgreSQL cannot walk the
    # primary key newest first past rows that do not match (initials jygd: 84,000 rows).
    settings.ZHIKE_SEARCH_PROBE = settings.ZHIKE_SEARCH_WINDOW = 1
    with CaptureQueriesContext(connection) as queries:
        customer_page(company.users["gm"], q="kjgs", limit=50)
    # Below the window: ids up to its floor, none above (the window's are between).
    below = [q["sql"] for q in queries if '"id" <=' in q["sql"] and '"id" >' not in q["sql"]]
    assert below and all('("archive_customer"."id" + 0) DESC' in sql for sql in below)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_customer")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + below[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # At a million rows the matches come from customer_search_typed (bench/search.py);
    # at 300 the planner may read them all by the primary key's range, never backwards.
    assert "Sort Key: ((id + 0)) DESC" in plan and "Backward" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's bigram index")
def test_arc_search_two_characters_are_matched_by_their_pair_alone(
    company: Company, settings
) -> None:
    # 科技 is one pair: the bigram index's match is the text's, so below the window the
    # rows are not checked again with LIKE. 科 and 技 in different names (科达公司, its
    # contact 技工) make no pair 科技 and are not found; the pair in a contact's name is.
    alice = company.users["alice"]
    found = [
        CustomerFactory(owner=alice, name="苏州科技公司"),
        CustomerFactory(owner=alice, name="苏州机械公司"),
    ]
    apart = CustomerFactory(owner=alice, name="科达公司")
    keys = {
        apart.pk: search_text(name="科达公司", person=False, contact_names=["技工"]),
        found[1].pk: search_text(name="苏州机械公司", person=False, contact_names=["科技员"]),
    }
    for pk, key in keys.items():
        Customer.objects.filter(pk=pk).update(search_text=key)
    settings.ZHIKE_SEARCH_PROBE = settings.ZHIKE_SEARCH_WINDOW = 1  # to the indexes
    with CaptureQueriesContext(connection) as queries:
        page = customer_page(alice, q="科技", limit=50)
    text = set(
        customers_for(alice).filter(search_text__contains="科技").values_list("pk", flat=True)
    )
    assert {c.pk for c in page.items} == text and page.count == len(text)
    assert {c.pk for c in found} <= text and apart.pk not in text
    below = [q["sql"] for q in queries if "zhike_bigrams" in q["sql"]]
    assert below and all("LIKE" not in sql for sql in below), below
    with CaptureQueriesContext(connection) as queries:  # more than one pair: checked again
        assert [c.pk for c in customer_page(alice, q="苏州科技", limit=50).items] == [found[0].pk]
    assert all("LIKE" in q["sql"] for q in queries if "zhike_bigrams" in q["sql"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parallel plans")
def test_arc_search_is_planned_without_parallel_workers(company: Company, crowd: None) -> None:
    # Two workers made 科技's count from the search indexes 34–42 ms where one process took
    # 14–18 (bench/README, nineteenth session): zhike's connections plan without them
    # (PostgreSQL's default is 2), so every statement of a search does, at no cost to it.
    seen: list[tuple[str, str]] = []  # (statement, the setting it ran under)

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if "archive_customer" in sql:
            seen.append((sql, planned_workers()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = customer_page(company.users["gm"], q="kjgs", limit=50)
    assert page.items and seen
    assert all(setting == "0" for _sql, setting in seen), seen


def test_arc_search_probing_ends_at_a_round_that_finds_nothing(company: Company, settings) -> None:
    # A code prefix's customers were made one after another: the first probe finds them,
    # the next window none. A third probe there would find none either; the rest of the
    # page comes from the search indexes, and the page is the plain filter's all the same.
    alice = company.users["alice"]
    older = CustomerFactory.create_batch(2, owner=alice, name="星河光电公司")
    CustomerFactory.create_batch(60, owner=alice, name="苏州机械公司")
    newest = CustomerFactory.create_batch(3, owner=alice, name="星河光电公司")
    settings.ZHIKE_SEARCH_PROBE, settings.ZHIKE_SEARCH_WINDOW = 10, 400
    with CaptureQueriesContext(connection) as queries:
        page = customer_page(alice, q="星河光电", limit=5)
    assert [c.pk for c in page.items] == [c.pk for c in reversed(older + newest)]
    assert page.count == 5
    probes = [q["sql"] for q in queries if '"id" <=' in q["sql"] and '"id" >' in q["sql"]]
    assert len(probes) == 2, probes


@pytest.mark.parametrize("persona", ["alice", "mgr", "gm"])
def test_arc_search_page_rows_compiled_are_the_orms_within_the_scope(
    company: Company, crowd: None, persona: str
) -> None:
    # A search's page is read by its ids through a statement compiled once per shape of
    # reach (page_rows): the same dicts as the ORM's query, out-of-scope ids left out, and
    # the same again for a second user of the same shape (the slots, not the first's values).
    user = company.users[persona]
    every = list(Customer.objects.order_by("-id").values_list("pk", flat=True)[:40])
    expected = list(
        with_display_names(customers_for(user))
        .filter(pk__in=every)
        .order_by("-id")
        .values(*dict.fromkeys(COLUMNS))
    )
    assert expected and page_rows(user, every, COLUMNS) == expected
    if persona == "alice":
        assert len(expected) < len(every)  # some of the ids are bob's and carol's
    other = company.users["bob" if persona == "alice" else persona]
    theirs = list(with_display_names(customers_for(other)).filter(pk__in=every).values("id"))
    assert {row["id"] for row in page_rows(other, every, COLUMNS)} == {r["id"] for r in theirs}
    assert page_rows(user, [], COLUMNS) == []


def test_arc_search_probe_reads_the_scopes_own_newest_rows(
    company: Company, crowd: None, settings
) -> None:
    # Another user imports 200 customers after alice's: the newest ids of the table are
    # none of hers. Probed there, 公司 (every one of her customers) looked rare and went
    # to the search indexes (at a million: a bitmap of 561,000 matches, 300 ms). Probed at
    # her own newest rows, it fills its page in the window.
    bob = company.users["bob"]
    CustomerFactory.create_batch(200, owner=bob, name="苏州机械公司")
    settings.ZHIKE_SEARCH_PROBE, settings.ZHIKE_SEARCH_WINDOW = 10, 400
    alice = company.users["alice"]
    with CaptureQueriesContext(connection) as queries:
        page = customer_page(alice, q="公司", limit=5)
    plain = filtered_customers(alice, q="公司").order_by("-id").values_list("pk", flat=True)
    assert [c.pk for c in page.items] == list(plain[:5])
    # The page's ids from the search indexes are ordered by an expression ("id" + 0).
    indexed = [q["sql"] for q in queries if '"id" + 0) DESC' in q["sql"]]
    assert not indexed, indexed


def test_arc_search_finds_nothing_outside_the_scope(company: Company, crowd: None) -> None:
    bobs = set(Customer.objects.filter(owner=company.users["bob"]).values_list("name", flat=True))
    for q in KINDS:
        assert not names(company, "alice", q) & bobs, q


@pytest.mark.parametrize(
    "text",
    [
        "重庆长江实业有限公司12",
        "IBM中国有限公司",
        "A&B 贸易 (上海) 有限公司",
        "〇号店",
        "3M China 中国",
        "长乐科技",
    ],
)
def test_arc_search_pinyin_run_by_run_reads_as_pypinyin_does(text: str) -> None:
    # The key's pinyin is worked out per run of Chinese characters, each run once
    # (archive.search._plain): it must read exactly as pypinyin reads the whole text.
    from pypinyin import Style, lazy_pinyin

    from zhike.archive.search import syllables

    whole = [s for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s.strip()]
    assert syllables(text) == whole
