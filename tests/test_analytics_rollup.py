"""ANA-1 (issue 17 item 8): the rollups kept by the ledger's triggers and the job equal
the aggregate of the lines they summarise, after every kind of write: lines added, edited
and removed, invoices settled, a customer transferred, regraded, moved province, merged."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone

from tests.base import ON_POSTGRESQL
from tests.factories import CustomerFactory, trade
from zhike.analytics import rollup
from zhike.analytics.models import (
    CustomerSales,
    CustomerYear,
    Dims,
    DirtyCustomer,
    Headcount,
    OwnerCube,
    RegionCube,
    SalesCube,
    SalesDelta,
    StatusChange,
)
from zhike.analytics.rebuild import rebuild
from zhike.archive.models import Customer
from zhike.grading.models import Standing
from zhike.trade.models import Invoice, OrderLine, Payment

TABLES = (OwnerCube, SalesCube, RegionCube, CustomerSales, CustomerYear, Headcount, Dims)


def snapshot() -> dict[str, set[tuple]]:
    """Every rollup's non-zero rows, as plain values (decimals to the fen)."""

    def plain(row: dict) -> tuple:
        return tuple(
            sorted(
                (
                    k,
                    Decimal(str(v)).quantize(Decimal("0.001"))
                    if isinstance(v, (Decimal, float))
                    else v,
                )
                for k, v in row.items()
                if k != "id"
            )
        )

    result = {}
    for model in TABLES:
        rows = model.objects.values()
        measures = [
            f
            for f in ("amount", "quantity", "lines", "invoiced", "outstanding", "collected", "live")
            if f in {fl.name for fl in model._meta.fields}
        ]
        kept = [r for r in rows if model is Dims or any(Decimal(str(r[m])) for m in measures)]
        result[model.__name__] = {plain(r) for r in kept}
    return result


def rebuilt() -> dict[str, set[tuple]]:
    rebuild(now=timezone.now())
    return snapshot()


def refreshed() -> dict[str, set[tuple]]:
    rollup.refresh(now=timezone.now())
    return snapshot()


def test_ana_1_triggers_record_every_ledger_write_as_a_delta(company):
    before = SalesDelta.objects.count()
    order = trade(company.customers["A"], on=date(2026, 3, 5), amount=1000, category="面粉")
    # the line, the invoice, the payment: one delta each (the invoice's is issued + settled)
    assert SalesDelta.objects.count() > before
    line = OrderLine.objects.get(order=order)
    deltas = SalesDelta.objects.filter(customer_id=company.customers["A"].pk, category="面粉")
    assert deltas.get().amount == Decimal(1000) and deltas.get().month == date(2026, 3, 1)
    line.amount = Decimal(1500)
    line.save()
    assert sum(d.amount for d in deltas.all()) == Decimal(1500)


def test_ana_1_rollup_equals_the_aggregate_of_the_lines_after_every_kind_of_write(company):
    a, b, e = (company.customers[k] for k in "ABE")
    trade(a, on=date(2025, 3, 5), amount=1000, category="面粉")
    trade(a, on=date(2026, 3, 9), amount=2500, category="大米", payment="open")
    trade(b, on=date(2026, 4, 1), amount=700, category="面粉", payment="late")
    trade(e, on=date(2026, 4, 30), amount=300, category="食用油")
    assert refreshed() == rebuilt()

    # lines edited and removed, an invoice settled, a payment, new customers and lines
    line = OrderLine.objects.filter(customer=a).order_by("signed_on").first()
    line.amount, line.category, line.signed_on = Decimal(1200), "大米", date(2026, 1, 2)
    line.save()
    OrderLine.objects.filter(customer=b).delete()
    Invoice.objects.filter(customer=a, paid_on__isnull=True).update(paid_amount=500)
    Payment.objects.create(customer=e, received_on=date(2026, 5, 3), amount=Decimal(99))
    newcomer = CustomerFactory(owner=company.users["bob"], province="浙江省")
    trade(newcomer, on=date(2026, 5, 6), amount=4000, category="面粉", payment="open")
    assert refreshed() == rebuilt()

    # the customer's keys change: transfer, department, province, grade, status, merge
    a.owner, a.department = company.users["bob"], company.users["bob"].department
    a.province = "江苏省"
    a.save()
    Standing.objects.create(customer=b, grade="A", since=timezone.now())
    b.status = "deal"
    b.save()
    Standing.objects.filter(customer=b).update(grade="B")
    e.merged_into = newcomer
    e.save()
    assert refreshed() == rebuilt()
    assert SalesDelta.objects.count() == 0


def test_ana_1_cube_holds_the_lines_of_each_owner_grade_and_category(company):
    a, b = company.customers["A"], company.customers["B"]
    Standing.objects.create(customer=a, grade="A", since=timezone.now())
    trade(a, on=date(2026, 3, 5), amount=1000, category="面粉")
    trade(a, on=date(2026, 3, 20), amount=500, category="面粉")
    trade(b, on=date(2026, 3, 7), amount=700, category="大米")
    rollup.refresh(now=timezone.now())
    cell = SalesCube.objects.get(
        month=date(2026, 3, 1), owner_key=company.users["alice"].pk, category="面粉"
    )
    assert (cell.grade, cell.amount, cell.lines) == ("A", Decimal(1500), 2)
    assert cell.invoiced == 0  # invoices have no category: they sit in the "" cells
    invoices = SalesCube.objects.get(
        month=date(2026, 3, 1), owner_key=company.users["alice"].pk, category=""
    )
    assert invoices.invoiced == Decimal(1500)
    assert CustomerYear.objects.get(customer=a, year=2026).amount == Decimal(1500)
    counts = {(h.owner_key, h.status): h.live for h in Headcount.objects.all() if h.live}
    assert counts[(company.users["alice"].pk, "potential")] == 1


def test_ana_2_status_changes_are_recorded_by_the_archive_trigger(company):
    a = company.customers["A"]
    a.status = "intent"
    a.save()
    a.status = "deal"
    a.save()
    a.name = "改名不算状态变化"
    a.save()
    moves = list(
        StatusChange.objects.filter(customer=a).order_by("at", "pk").values_list("old", "new")
    )
    assert moves == [("potential", "intent"), ("intent", "deal")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not ON_POSTGRESQL, reason="REPEATABLE READ and the advisory lock are PostgreSQL's"
)
def test_ana_1_refresh_in_a_real_transaction_loses_nothing_to_concurrent_writers():
    """While the job folds, other transactions keep writing lines: what it did not see
    stays in the delta table for the next run, so nothing is lost or counted twice."""
    import threading

    from tests.conftest import build_company

    company = build_company()
    for i in range(30):
        trade(company.customers["A"], on=date(2026, 3, 1 + i % 28), amount=100 + i, payment=None)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for i in range(40):
                trade(
                    company.customers["B"],
                    on=date(2026, 4, 1 + i % 28),
                    amount=10 + i,
                    payment=None,
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            stop.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not stop.is_set():
        rollup.refresh(now=timezone.now())
    thread.join()
    rollup.refresh(now=timezone.now())
    assert not errors
    assert refreshed() == rebuilt()
    total = sum(r.amount for r in CustomerSales.objects.all())
    assert total == sum(r.amount for r in OrderLine.objects.all())


def test_ana_2_one_update_of_many_customers_marks_only_those_whose_keys_changed(company):
    # On PostgreSQL the trigger runs once for the statement over its transition tables:
    # a row whose status, province or owner (none to one too) changed is dirty, a renamed
    # one is not; each status move is recorded with its old and new status.
    moved, placed, claimed, renamed = (CustomerFactory(status="potential") for _ in range(4))
    Customer.objects.filter(pk=claimed.pk).update(owner=None)
    ids = [c.pk for c in (moved, placed, claimed, renamed)]
    DirtyCustomer.objects.all().delete()
    StatusChange.objects.all().delete()
    Customer.objects.filter(pk__in=ids).update(
        status=Case(When(pk=moved.pk, then=Value("intent")), default=F("status")),
        owner=Case(
            When(pk=claimed.pk, then=Value(company.users["bob"].pk)),
            default=F("owner"),
            output_field=Customer._meta.get_field("owner"),
        ),
        province=Case(When(pk=placed.pk, then=Value("西藏")), default=F("province")),
        name=Case(When(pk=renamed.pk, then=Value("改名不算")), default=F("name")),
    )
    dirty = set(DirtyCustomer.objects.values_list("customer_id", flat=True))
    assert dirty == {moved.pk, placed.pk, claimed.pk}
    moves = list(StatusChange.objects.values_list("customer_id", "old", "new"))
    assert moves == [(moved.pk, "potential", "intent")]


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's statement triggers and plan cache")
def test_ana_2_a_bulk_update_after_one_row_updates_stays_linear(company):
    # The plan of a trigger's query is made once per session. A join of the transition
    # tables, planned for a claim's one row, made a later 5,000-row UPDATE in the same
    # session take 7.5 s (0.4 s in a new session), a 100,000-row one never end.
    import time

    customers = [CustomerFactory() for _ in range(3)]
    for c in customers * 3:  # the plans are made, for one row
        Customer.objects.filter(pk=c.pk).update(status="intent")
        Customer.objects.filter(pk=c.pk).update(status="potential")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archive_customer (code, name, status, phone, customer_type, source,"
            " referrer_name, industry, size, province, city, district, address, uscc,"
            " id_number_cipher, id_number_hash, search_text, created_at, updated_at, version)"
            " SELECT 'LIN' || g, '线性' || g, 'potential', '', 'enterprise', '', '', '', '', '',"
            " '', '', '', '', '', '', '', now(), now(), 1 FROM generate_series(1, 8000) g"
        )
        start = time.perf_counter()
        cursor.execute("UPDATE archive_customer SET status = 'intent' WHERE code LIKE 'LIN%%'")
        seconds = time.perf_counter() - start
    assert StatusChange.objects.filter(new="intent", old="potential").count() >= 8000
    assert seconds < 5, f"8,000 rows in {seconds:.1f} s"  # linear: ~0.6 s; the join: ~20 s
