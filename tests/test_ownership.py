"""OWN-1 lapses, OWN-3 reassignment, OWN-4 claims, OWN-8 history and ARC-8 relatives:
ownership as a rule (issue 14), with the seeds' numbers and at their edges."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from zhike.archive.models import Customer, OwnershipChange, OwnershipKind, Relation
from zhike.audit.models import Event
from zhike.engagement.models import FollowUp
from zhike.engagement.services import follow_up_record
from zhike.errors import CustomerNotFound, PermissionDenied
from zhike.ownership.errors import OwnershipError, Taken
from zhike.ownership.locks import customer_lock
from zhike.ownership.models import Lock, Pool, PoolEntry
from zhike.ownership.pools import default_pool
from zhike.ownership.services import (
    customer_claim,
    customer_release,
    customers_assign,
    customers_hand_over,
)
from zhike.ownership.sweep import sweep_lapses
from zhike.policy.loader import PolicyError, load_policy, parse_policy
from zhike.policy.schema import Duration, Policy
from zhike.trade.models import Order
from zhike.workflow.deadlines import deadline_open
from zhike.workflow.models import DeadlineState, Notice

from .base import also_in_a_real_transaction
from .conftest import Company
from .factories import CustomerFactory

REAL_ESTATE = load_policy("real-estate")  # s000: 7 days without contact → the pool


def with_rules(extra: str, base: str = "real-estate") -> Policy:
    text = '[policy]\nname = "t"\nversion = "t-1"\neffective_date = 2026-01-01\n'
    text += f'extends = "{base}"\n\n[ownership]\n{extra}\n'
    return parse_policy(text, "test")


def held(customer: Customer, *, days: float, contact_days: float | None = None) -> Customer:
    """Make ``customer`` owned for ``days`` with its last contact ``contact_days`` ago."""
    now = timezone.now()
    customer.owned_since = now - timedelta(days=days)
    customer.last_contact_at = None if contact_days is None else now - timedelta(days=contact_days)
    customer.save(update_fields=["owned_since", "last_contact_at"])
    return customer


# --- OWN-1: the lapse sweep -----------------------------------------------------------------


def test_own_1_kept_the_day_before_released_on_the_day(company: Company) -> None:
    alice = company.users["alice"]
    day_before = held(company.customers["A"], days=30, contact_days=6.9)
    on_the_day = held(
        Customer.objects.create(
            code="T-OWN1", name="七天未联系", owner=alice, department=alice.department
        ),
        days=30,
        contact_days=7.01,
    )

    result = sweep_lapses(policy=REAL_ESTATE, now=timezone.now())

    assert result.released == 1
    day_before.refresh_from_db()
    on_the_day.refresh_from_db()
    assert day_before.owner == alice
    assert on_the_day.owner is None and on_the_day.owned_since is None
    entry = PoolEntry.objects.get(customer=on_the_day)
    assert entry.pool.code == "public" and entry.previous_owner == alice
    change = OwnershipChange.objects.get(customer=on_the_day, kind="lapsed")
    assert (change.from_user, change.to_user, change.by) == (alice, None, None)
    assert change.rule == "ownership.lapse_days" and "7" in change.reason
    assert Notice.objects.filter(recipient=alice, kind="ownership.lapsed").count() == 1
    # The one kept is within its notice_days (2): its owner was warned once.
    assert Notice.objects.filter(recipient=alice, kind="ownership.lapsing").count() == 1


def test_own_1_a_second_sweep_does_nothing(company: Company) -> None:
    held(company.customers["A"], days=30, contact_days=8)
    held(company.customers["B"], days=30, contact_days=6)
    now = timezone.now()
    first = sweep_lapses(policy=REAL_ESTATE, now=now)
    second = sweep_lapses(policy=REAL_ESTATE, now=now + timedelta(minutes=5))
    assert (first.released, first.warned) == (1, 1)
    assert (second.released, second.warned) == (0, 0)
    assert OwnershipChange.objects.filter(kind="lapsed").count() == 1
    assert Notice.objects.filter(kind="ownership.lapsing").count() == 1


def test_own_1_the_clock_starts_again_at_a_claim(company: Company) -> None:
    """A customer claimed today whose last contact (by its former owner) was a month ago
    is not already lapsed: the clock is the later of contact and owned since."""
    customer = held(company.customers["A"], days=0.1, contact_days=30)
    assert sweep_lapses(policy=REAL_ESTATE, now=timezone.now()).released == 0
    customer.refresh_from_db()
    assert customer.owner == company.users["alice"]


def test_own_1_a_qualifying_follow_up_keeps_the_customer(company: Company) -> None:
    customer = held(company.customers["A"], days=30, contact_days=10)
    follow_up_record(
        by=company.users["alice"],
        customer_id=customer.pk,
        kind="call",
        content="电话沟通了新的报价方案",
        now=timezone.now(),
        policy=REAL_ESTATE,
    )
    assert sweep_lapses(policy=REAL_ESTATE, now=timezone.now()).released == 0


def test_own_1_locked_deal_and_recent_orders_are_exempt(company: Company) -> None:
    alice = company.users["alice"]
    locked = held(company.customers["A"], days=30, contact_days=20)
    dealt = held(company.customers["B"], days=30, contact_days=20)
    ordered = held(company.customers["E"], days=30, contact_days=20)
    Lock.objects.create(customer=locked, by=alice, reason="重点谈判中", at=timezone.now())
    Customer.objects.filter(pk=dealt.pk).update(status="deal")
    Order.objects.create(customer=ordered, number="HT-1", signed_on=timezone.localdate())
    policy = with_rules("keep_after_order_days = 30")

    assert sweep_lapses(policy=policy, now=timezone.now()).released == 0
    assert not Customer.objects.filter(owner__isnull=True).exclude(pk=company.customers["P"].pk)


def test_own_1_a_grade_override_keeps_an_a_customer_longer(company: Company) -> None:
    from zhike.grading.models import Standing

    a_customer = held(company.customers["A"], days=60, contact_days=20)
    c_customer = held(company.customers["B"], days=60, contact_days=20)
    Standing.objects.create(customer=a_customer, grade="A", since=timezone.now())
    Standing.objects.create(customer=c_customer, grade="C", since=timezone.now())
    policy = with_rules('overrides = [{ when = { grade = "A" }, lapse_days = 30 }]')

    assert sweep_lapses(policy=policy, now=timezone.now()).released == 1
    a_customer.refresh_from_db()
    c_customer.refresh_from_db()
    assert a_customer.owner is not None and c_customer.owner is None


def test_own_1_days_without_a_deal(company: Company) -> None:
    no_deal = held(company.customers["A"], days=40, contact_days=1)
    with_deal = held(company.customers["B"], days=40, contact_days=1)
    Order.objects.create(
        customer=with_deal, number="HT-2", signed_on=timezone.localdate() - timedelta(days=10)
    )
    policy = with_rules("deal_days = 30\nexempt_statuses = []")

    assert sweep_lapses(policy=policy, now=timezone.now()).released == 1
    no_deal.refresh_from_db()
    assert no_deal.owner is None
    assert OwnershipChange.objects.get(customer=no_deal, kind="lapsed").rule == (
        "ownership.deal_days"
    )


def test_own_1_off_in_the_general_preset(company: Company, general_policy) -> None:
    held(company.customers["A"], days=400, contact_days=400)
    assert sweep_lapses(policy=general_policy, now=timezone.now()).released == 0


def test_own_1_open_todos_go_to_the_pool_admin_follow_ups_stay(company: Company) -> None:
    alice, crm = company.users["alice"], company.users["crm"]
    customer = held(company.customers["A"], days=30, contact_days=9)
    pool = Pool.objects.get(code="public")
    pool.admins.add(crm)
    FollowUp.objects.create(
        customer=customer,
        by=alice,
        kind="call",
        content="旧的跟进",
        occurred_at=timezone.now() - timedelta(days=9),
    )
    todo = deadline_open(
        subject=customer,
        rule="data_update",
        title="更新资料",
        assignee=alice,
        start=timezone.now(),
        within=Duration(calendar_days=2),
        policy=REAL_ESTATE,
    )

    sweep_lapses(policy=REAL_ESTATE, now=timezone.now())

    todo.refresh_from_db()
    assert todo.assignee == crm and todo.state == DeadlineState.OPEN
    assert FollowUp.objects.filter(customer=customer).count() == 1


def test_own_1_notice_days_must_be_below_lapse_days() -> None:
    with pytest.raises(PolicyError, match="notice_days"):
        with_rules("lapse_days = 3\nnotice_days = 3")


# --- OWN-4: claims --------------------------------------------------------------------------


def pooled(company: Company) -> Customer:
    return company.customers["P"]  # no owner, no entry: the default pool


def test_own_4_a_claim_takes_the_customer_and_is_recorded(company: Company) -> None:
    # Every write of a claim (on PostgreSQL one statement, claim_at_once; on SQLite the
    # ORM's): the owner, the history row, the audit event, the pool entry gone, the open
    # to-do handed to the claimant.
    alice, now = company.users["alice"], timezone.now()
    target = pooled(company)
    PoolEntry.objects.create(
        customer=target, pool=default_pool(REAL_ESTATE.ownership), since=now, claimable_from=now
    )
    todo = deadline_open(
        subject=target,
        rule="data_update",
        title="更新资料",
        assignee=company.users["crm"],
        start=now,
        within=Duration(calendar_days=2),
        policy=REAL_ESTATE,
    )
    done = customer_claim(by=alice, customer_id=target.pk, policy=REAL_ESTATE, now=now)
    customer = done.customer
    assert customer.owner == alice and customer.department == alice.department
    assert customer.owned_since == now and customer.name == target.name
    stored = Customer.objects.get(pk=target.pk)
    assert (stored.owner, stored.owned_since, stored.version) == (alice, now, target.version + 1)
    change = OwnershipChange.objects.get(customer=customer, kind="claimed")
    assert (change.to_user, change.by, change.pool) == (alice, alice, "public")
    assert (change.from_user, change.at, change.policy_version) == (None, now, "real-estate-1")
    event = Event.objects.get(action="ownership.claimed", object_id=customer.pk)
    assert (event.actor, event.details) == (alice, {"pool": "public"})
    assert not PoolEntry.objects.filter(customer=target).exists()
    todo.refresh_from_db()
    assert todo.assignee == alice


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement claim")
def test_own_4_a_claim_on_postgresql_is_one_statement(
    company: Company, django_assert_num_queries
) -> None:
    # Eight statements and ~9 ms of Python a claim queued eight claimants on two cores
    # (bench/ownership_sweep.py): a claim that succeeds is one statement (and its
    # savepoint, here inside the test's transaction).
    alice = company.users["alice"]
    assert alice.has_perm("ownership.claim_customer")  # her rights, read once a request
    ContentType.objects.get_for_model(Customer)  # cached once a process
    with django_assert_num_queries(3):  # SAVEPOINT, the claim, RELEASE
        customer_claim(
            by=alice, customer_id=pooled(company).pk, policy=REAL_ESTATE, now=timezone.now()
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements")
def test_own_4_a_claim_on_postgresql_is_planned_once_per_connection(company: Company) -> None:
    # Planning the claim's statement took 1.9 ms, its run 1.5: after the connection's
    # prepare_threshold runs it is a prepared statement (zhike.db.prepared_cursor).
    alice, target = company.users["alice"], pooled(company)
    threshold = connection.connection.prepare_threshold
    assert threshold is not None  # settings: ZHIKE_DB_PREPARE_THRESHOLD, default 5
    for _ in range(threshold + 1):
        claimed = customer_claim(
            by=alice, customer_id=target.pk, policy=REAL_ESTATE, now=timezone.now()
        )
        assert claimed.owner == alice
        Customer.objects.filter(pk=target.pk).update(owner=None)  # back in the pool
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND NOT from_sql",
            ["%WITH target AS%"],
        )
        assert cursor.fetchone()[0] == 1
    history = OwnershipChange.objects.filter(customer=target, kind=OwnershipKind.CLAIMED)
    assert history.count() == threshold + 1  # every claim written, prepared or not


def test_own_4_an_owned_customer_cannot_be_claimed(company: Company) -> None:
    with pytest.raises(Taken, match="已被领取"):  # the supervisor sees alice's customer
        customer_claim(
            by=company.users["sup"],
            customer_id=company.customers["A"].pk,
            policy=REAL_ESTATE,
            now=timezone.now(),
        )
    with pytest.raises(CustomerNotFound):  # bob does not: he learns nothing about it
        customer_claim(
            by=company.users["bob"],
            customer_id=company.customers["A"].pk,
            policy=REAL_ESTATE,
            now=timezone.now(),
        )
    with pytest.raises(PermissionDenied):
        customer_claim(
            by=company.users["fin"],
            customer_id=pooled(company).pk,
            policy=REAL_ESTATE,
            now=timezone.now(),
        )


def test_own_4_embargo_and_cooldown_come_from_the_history(company: Company) -> None:
    alice, bob = company.users["alice"], company.users["bob"]
    policy = with_rules("cooldown_days = 15\nembargo_hours = 24")
    customer = company.customers["A"]
    now = timezone.now()
    customer_release(by=alice, customer_id=customer.pk, reason="客户已搬迁", policy=policy, now=now)
    with pytest.raises(OwnershipError, match="刚进入公海") as embargo:
        customer_claim(by=bob, customer_id=customer.pk, policy=policy, now=now)
    assert embargo.value.rule == "ownership.embargo_hours"

    later = now + timedelta(days=2)
    Customer.objects.filter(pk=customer.pk).update(updated_at=later)  # an edit: no reset
    with pytest.raises(OwnershipError, match="15 天内失去过") as cooldown:
        customer_claim(by=alice, customer_id=customer.pk, policy=policy, now=later)
    assert cooldown.value.rule == "ownership.cooldown_days"
    assert customer_claim(by=bob, customer_id=customer.pk, policy=policy, now=later).owner == bob
    assert OwnershipChange.objects.filter(customer=customer, kind="claimed").count() == 1


def test_own_4_caps_per_person(company: Company) -> None:
    alice = company.users["alice"]
    extra = [
        Customer.objects.create(code=f"T-P{i}", name=f"公海客户{i}", owner=None) for i in range(3)
    ]
    policy = with_rules("claims_per_day = 2")
    now = timezone.now()
    customer_claim(by=alice, customer_id=extra[0].pk, policy=policy, now=now)
    customer_claim(by=alice, customer_id=extra[1].pk, policy=policy, now=now)
    with pytest.raises(OwnershipError, match="今天已领取 2 个客户,达到每日上限") as refused:
        customer_claim(by=alice, customer_id=extra[2].pk, policy=policy, now=now)
    assert refused.value.rule == "ownership.claims_per_day"
    extra[2].refresh_from_db()
    assert extra[2].owner is None

    owned = with_rules("max_owned = 3")  # alice owns A and the two claimed
    with pytest.raises(OwnershipError, match="上限") as cap:
        customer_claim(by=alice, customer_id=extra[2].pk, policy=owned, now=now)
    assert cap.value.rule == "ownership.max_owned"


def test_own_4_a_pool_of_other_departments_is_not_found(company: Company) -> None:
    branch = Pool.objects.create(code="east", name="华东公海")
    branch.departments.add(company.departments["east"])
    customer = pooled(company)
    PoolEntry.objects.create(
        customer=customer, pool=branch, since=timezone.now(), claimable_from=timezone.now()
    )
    with pytest.raises(CustomerNotFound):
        customer_claim(
            by=company.users["alice"],
            customer_id=customer.pk,
            policy=REAL_ESTATE,
            now=timezone.now(),
        )
    done = customer_claim(
        by=company.users["carol"], customer_id=customer.pk, policy=REAL_ESTATE, now=timezone.now()
    )
    assert done.owner == company.users["carol"]


def test_own_1_released_customers_go_to_their_departments_pool(company: Company) -> None:
    branch = Pool.objects.create(code="marketing", name="营销中心公海")
    branch.departments.add(company.departments["marketing"])  # sales1 is below it
    pool = customer_release(
        by=company.users["alice"],
        customer_id=company.customers["A"].pk,
        reason="不再跟进",
        policy=REAL_ESTATE,
        now=timezone.now(),
    )
    assert pool == branch
    assert PoolEntry.objects.get(customer=company.customers["A"]).pool == branch


# --- ARC-8: relatives are one customer ------------------------------------------------------


def test_arc_8_a_relative_of_someone_elses_customer(company: Company) -> None:
    bob = company.users["bob"]
    spouse = pooled(company)
    Relation.objects.create(customer=spouse, relative=company.customers["B"], kind="spouse")
    Relation.objects.create(customer=company.customers["B"], relative=spouse, kind="spouse")

    with pytest.raises(OwnershipError, match="直系亲属") as refused:
        customer_claim(
            by=company.users["alice"],
            customer_id=spouse.pk,
            policy=with_rules('relatives = "refuse"'),
            now=timezone.now(),
        )
    assert refused.value.rule == "ownership.relatives"

    done = customer_claim(
        by=company.users["alice"], customer_id=spouse.pk, policy=REAL_ESTATE, now=timezone.now()
    )  # real-estate: to_owner
    assert done.owner == bob and "直系亲属" in done.reason
    assert OwnershipChange.objects.get(customer=spouse, kind="assigned").rule == (
        "ownership.relatives"
    )


# --- OWN-3 / OWN-8: assignment, transfer, hand-over, locks ---------------------------------


def test_own_8_a_transfer_is_recorded_with_its_reason_and_moves_the_todos(
    company: Company,
) -> None:
    alice, sup = company.users["alice"], company.users["sup"]
    from .factories import UserFactory

    dave = UserFactory(
        username="dave", department=company.departments["sales1"], roles=("salesperson",)
    )
    customer = company.customers["A"]
    todo = deadline_open(
        subject=customer,
        rule="data_update",
        title="更新资料",
        assignee=alice,
        start=timezone.now(),
        within=Duration(calendar_days=1),
        policy=REAL_ESTATE,
    )
    count = customers_assign(
        by=sup,
        customer_ids=[customer.pk],
        to_user_id=dave.pk,
        reason="调整片区",
        policy=REAL_ESTATE,
        now=timezone.now(),
    )
    assert count == 1
    change = OwnershipChange.objects.get(customer=customer, kind="transferred")
    assert (change.from_user, change.to_user, change.by, change.reason) == (
        alice,
        dave,
        sup,
        "调整片区",
    )
    todo.refresh_from_db()
    assert todo.assignee == dave


def test_own_8_transfers_are_refused_to_the_inactive_and_outside_scope(company: Company) -> None:
    sup, now = company.users["sup"], timezone.now()
    inactive = company.users["alice"]
    inactive.is_active = False
    inactive.save()
    for target, customer in [
        (inactive, company.customers["A"]),
        (company.users["bob"], company.customers["A"]),
    ]:
        with pytest.raises(OwnershipError, match="管辖范围") as refused:
            customers_assign(
                by=sup,
                customer_ids=[customer.pk],
                to_user_id=target.pk,
                reason="调整",
                policy=REAL_ESTATE,
                now=now,
            )
        assert refused.value.rule == "ownership.assign.to_user"
    with pytest.raises(CustomerNotFound):  # bob's customer is outside sup's department
        customers_assign(
            by=sup,
            customer_ids=[company.customers["B"].pk],
            to_user_id=sup.pk,
            reason="调整",
            policy=REAL_ESTATE,
            now=now,
        )
    with pytest.raises(PermissionDenied):
        customers_assign(
            by=company.users["bob"],
            customer_ids=[company.customers["B"].pk],
            to_user_id=company.users["bob"].pk,
            reason="调整",
            policy=REAL_ESTATE,
            now=now,
        )
    assert not OwnershipChange.objects.filter(kind="transferred").exists()


def test_own_8_hand_over_moves_every_customer_of_a_leaver(company: Company) -> None:
    from .factories import CustomerFactory

    alice, mgr, bob = company.users["alice"], company.users["mgr"], company.users["bob"]
    for _i in range(5):
        CustomerFactory(owner=alice)
    moved = customers_hand_over(
        by=mgr,
        from_user_id=alice.pk,
        to_user_id=bob.pk,
        reason="离职交接",
        policy=REAL_ESTATE,
        now=timezone.now(),
    )
    assert moved == 6
    assert not Customer.objects.filter(owner=alice).exists()
    assert OwnershipChange.objects.filter(kind="transferred", to_user=bob).count() == 6


def test_own_1_a_lock_needs_a_reason_and_respects_the_cap(company: Company) -> None:
    alice, now = company.users["alice"], timezone.now()
    with pytest.raises(OwnershipError, match="原因"):
        customer_lock(
            by=alice, customer_id=company.customers["A"].pk, reason=" ", policy=REAL_ESTATE, now=now
        )
    from .factories import CustomerFactory

    second = CustomerFactory(owner=alice)
    capped = with_rules("max_locked = 1")
    customer_lock(
        by=alice, customer_id=company.customers["A"].pk, reason="重点客户", policy=capped, now=now
    )
    with pytest.raises(OwnershipError, match="上限") as refused:
        customer_lock(by=alice, customer_id=second.pk, reason="重点客户", policy=capped, now=now)
    assert refused.value.rule == "ownership.max_locked"
    assert OwnershipChange.objects.filter(kind="locked").count() == 1


def test_own_1_release_needs_the_owner_or_a_manager(company: Company) -> None:
    with pytest.raises(CustomerNotFound):
        customer_release(
            by=company.users["bob"],
            customer_id=company.customers["A"].pk,
            reason="x",
            policy=REAL_ESTATE,
            now=timezone.now(),
        )
    with pytest.raises(OwnershipError, match="原因"):
        customer_release(
            by=company.users["alice"],
            customer_id=company.customers["A"].pk,
            reason="",
            policy=REAL_ESTATE,
            now=timezone.now(),
        )
    customer_release(
        by=company.users["sup"],
        customer_id=company.customers["A"].pk,
        reason="长期无进展,收回",
        policy=REAL_ESTATE,
        now=timezone.now(),
    )
    assert OwnershipChange.objects.get(kind="released").by == company.users["sup"]


def test_own_8_history_is_append_only(company: Company) -> None:
    change = OwnershipChange.objects.create(customer=company.customers["A"], kind="locked")
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        OwnershipChange.objects.all().delete()
    with pytest.raises(TypeError):
        OwnershipChange.objects.update(reason="改写")


def test_own_8_registration_starts_the_history(company: Company, general_policy) -> None:
    from zhike.archive.services import customer_create

    customer = customer_create(
        by=company.users["alice"], data={"name": "新登记客户"}, policy=general_policy
    )
    change = OwnershipChange.objects.get(customer=customer)
    assert (change.kind, change.to_user) == ("registered", company.users["alice"])
    assert customer.owned_since is not None


def test_own_3_customers_not_served_for_three_months(company: Company) -> None:
    from zhike.ownership.selectors import reassignable

    policy = load_policy("auto-dealer")  # s003-20: 90 days
    held(company.customers["A"], days=200, contact_days=91)
    held(company.customers["B"], days=200, contact_days=89)
    ids = [c.pk for c in reassignable(company.users["mgr"], policy=policy, now=timezone.now())]
    assert ids == [company.customers["A"].pk]
    assert list(reassignable(company.users["alice"], policy=policy, now=timezone.now())) == [
        company.customers["A"]
    ]  # alice sees only her own
    assert sweep_lapses(policy=policy, now=timezone.now()).released == 0  # by hand only


also_in_a_real_transaction(
    globals(),
    test_own_1_kept_the_day_before_released_on_the_day,
    test_own_4_a_claim_takes_the_customer_and_is_recorded,
    test_own_8_a_transfer_is_recorded_with_its_reason_and_moves_the_todos,
    # Release, hand-over and lock take row locks too (the last note's gap).
    test_own_8_hand_over_moves_every_customer_of_a_leaver,
    test_own_1_a_lock_needs_a_reason_and_respects_the_cap,
    test_own_1_release_needs_the_owner_or_a_manager,
)


def test_own_1_my_customers_show_the_days_left_and_the_rule(company: Company) -> None:
    from zhike.ownership.selectors import keeping_of, my_keeping

    alice, now = company.users["alice"], timezone.now()
    held(company.customers["A"], days=30, contact_days=5)
    locked = CustomerFactory(owner=alice, owned_since=now - timedelta(days=30))
    Lock.objects.create(customer=locked, by=alice, reason="重点", at=now)
    rows = my_keeping(alice, policy=REAL_ESTATE, now=now)
    assert [(k.customer.pk, k.days_left) for k in rows] == [
        (locked.pk, None),  # the longest without contact first: never contacted
        (company.customers["A"].pk, 2),
    ]
    assert rows[0].rule == "已锁定" and rows[1].rule == "连续 7 天无有效联系退回公海"
    single = keeping_of(company.customers["A"], policy=REAL_ESTATE, now=now)
    assert single is not None and single.days_left == 2
