"""Exact scope totals from maintained tallies (issue 13 item 23): kept by triggers in the
same transaction as every write, equal to COUNT(*) after each kind of write, on SQLite
and PostgreSQL; the list and the workbench say the same number."""

from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from zhike.archive.imports import import_customers
from zhike.archive.merging import customer_merge
from zhike.archive.models import Customer, CustomerTally
from zhike.archive.selectors import scope_total
from zhike.policy.loader import load_policy

from .conftest import Company
from .factories import CustomerFactory

POLICY = load_policy("general")
JSON = "application/json"


def counted() -> dict[tuple[int, int], int]:
    rows = (
        Customer.objects.filter(merged_into__isnull=True)
        .values("owner_id", "department_id")
        .annotate(n=Count("id"))
    )
    return {(r["owner_id"] or 0, r["department_id"] or 0): r["n"] for r in rows}


def tallied() -> dict[tuple[int, int], int]:
    """The pairs' totals, summed over their slots (a pair has a row per writer's slot)."""
    rows = CustomerTally.objects.values("owner_key", "department_key").annotate(n=Sum("live"))
    return {(r["owner_key"], r["department_key"]): r["n"] for r in rows if r["n"]}


def test_arc_list_tallies_equal_count_after_every_kind_of_write(
    company: Company, tmp_path: Path
) -> None:
    assert tallied() == counted()
    api = company.api("alice")
    api.post("/api/v1/customers", {"name": "新客户甲"}, content_type=JSON)  # a form
    assert tallied() == counted()
    path = tmp_path / "c.csv"
    path.write_text("客户名称\n" + "".join(f"导入客户{i}\n" for i in range(30)), "utf-8")
    report = import_customers(
        by=company.users["bob"],
        path=path,
        filename=path.name,
        policy=POLICY,
        now=timezone.now(),
        commit=True,
    )
    assert report.created == 30
    assert tallied() == counted()  # COPY on PostgreSQL, executemany on SQLite
    # A transfer (owner and department), to the pool and back, in one statement.
    Customer.objects.filter(name__startswith="导入客户1").update(
        owner=company.users["carol"], department=company.departments["east"]
    )
    Customer.objects.filter(name__startswith="导入客户2").update(owner=None, department=None)
    assert tallied() == counted()
    keep, dup = (
        company.customers["A"],
        CustomerFactory(name="甲方阿尔法", owner=company.users["alice"]),
    )
    customer_merge(by=company.users["alice"], keep_id=keep.pk, merge_id=dup.pk)
    assert tallied() == counted()  # the merged-away tombstone no longer counts
    Customer.objects.filter(name="新客户甲").delete()
    assert tallied() == counted()


def test_arc_list_a_rolled_back_write_leaves_the_tallies_as_they_were(
    company: Company,
) -> None:
    before = tallied()
    with pytest.raises(RuntimeError), transaction.atomic():
        CustomerFactory(name="回滚客户", owner=company.users["alice"])
        raise RuntimeError
    assert tallied() == before == counted()


def test_arc_list_scope_totals_follow_the_data_scope(company: Company) -> None:
    for persona, expected in {"alice": 1, "sup": 1, "mgr": 3, "gm": 4, "tech": 0}.items():
        assert scope_total(company.users[persona]) == expected, persona
        count = company.api(persona).get("/api/v1/customers/count").json()["count"]
        assert count == expected


def test_arc_list_the_list_and_the_workbench_say_the_same_number(
    company: Company, settings
) -> None:
    """The manager's list said "超过 1000 个客户" while the workbench said 1,284."""
    settings.ZHIKE_LIST_COUNT_CAP = 2
    client = company.client("mgr")
    assert "共 3 个客户" in client.get("/customers/").text
    workbench = client.get("/").text
    assert ">3<" in workbench.replace(" ", "")


@pytest.mark.django_db
def test_arc_list_the_tally_triggers_survive_migrations() -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table; they are put
    back after every migrate (archive.apps)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'archive_customer_tally%'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'archive_customer_tally%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"archive_customer_tally_{op}" for op in ("insert", "update", "delete")}
