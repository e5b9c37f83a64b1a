"""CompiledQuery: a fixed-shape read compiled once gives what the ORM gives, for any
values, on either database; a read whose SQL depends on its values is refused."""

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Max, Q, Sum, Value
from django.utils import timezone

from zhike.archive.models import Customer, CustomerTally
from zhike.archive.search_plan import scope_window
from zhike.archive.selectors import customer_count
from zhike.compiled import CompiledQuery
from zhike.db import CountOf
from zhike.org.models import User
from zhike.org.scopes import reach_of, scope_filter
from zhike.workflow.models import Notice

pytestmark = pytest.mark.django_db


def _notices(user: int, now):  # type: ignore[no-untyped-def]
    mine = Notice.objects.filter(recipient_id=user)
    return User.objects.filter(pk=user).values(
        unread=CountOf(mine.filter(read_at__isnull=True).values("pk")),
        read_before=CountOf(mine.filter(read_at__lt=now).values("pk")),
    )


def test_ntf_1_compiled_once_counts_as_the_orm_for_other_users_and_times(company) -> None:
    alice, bob = company.users["alice"], company.users["bob"]
    now = timezone.now()
    Notice.objects.create(recipient=alice, kind="x", title="未读")
    Notice.objects.create(recipient=alice, kind="x", title="早读", read_at=now - timedelta(days=2))
    Notice.objects.create(recipient=bob, kind="x", title="今读", read_at=now)
    compiled = CompiledQuery(_notices, ids=("user",), times=("now",))
    for user, moment in [
        (alice, now),
        (bob, now),
        (bob, now + timedelta(seconds=1)),
        (alice, now - timedelta(days=3)),
    ]:
        expected = _notices(user.pk, moment).get()
        assert compiled.one(DEFAULT_DB_ALIAS, user=user.pk, now=moment) == expected
    assert compiled.one(DEFAULT_DB_ALIAS, user=alice.pk, now=now) == {"unread": 1, "read_before": 1}
    assert compiled.one(DEFAULT_DB_ALIAS, user=bob.pk, now=now) == {"unread": 0, "read_before": 0}


def test_ntf_1_a_read_whose_sql_depends_on_its_values_is_refused(company) -> None:
    def shaped_by_value(user: int):  # type: ignore[no-untyped-def]
        # The id is looked at in Python, so it never reaches the SQL as a parameter.
        recipients = [] if user < 0 else [user]
        return User.objects.filter(pk__in=[1]).values(
            n=Count("pk", filter=Q(notices__recipient_id__in=recipients))
        )

    with pytest.raises(ValueError, match="not a fixed-shape query"):
        CompiledQuery(shaped_by_value, ids=("user",)).one(DEFAULT_DB_ALIAS, user=1)


def test_org_2_access_customer_compiled_per_reach_finds_exactly_what_the_scope_shows(
    company,
) -> None:
    from zhike.archive.selectors import access_customer, customers_for
    from zhike.errors import CustomerNotFound

    everyone = [*company.users.values()]
    inactive = company.users["bob"]
    inactive.is_active = False
    for user in everyone:  # own-only, department, tree, all, superuser, inactive
        visible = set(customers_for(user).values_list("pk", flat=True))
        for customer in company.customers.values():
            if customer.pk in visible:
                found = access_customer(user, customer.pk)
                assert (found.pk, found.name) == (customer.pk, customer.name)
                owner = customer.owner
                assert found.owner_name == (owner.display_name or owner.username if owner else None)
            else:
                with pytest.raises(CustomerNotFound):
                    access_customer(user, customer.pk)
        with pytest.raises(CustomerNotFound):
            access_customer(user, 10**9)  # missing: the same answer as out of reach


def test_ntf_1_one_compiled_query_per_shape_of_a_family(company) -> None:
    from zhike.compiled import CompiledQueries

    family = CompiledQueries()
    made: list[int] = []

    def make(size: int) -> CompiledQuery:
        made.append(size)
        return CompiledQuery(
            lambda user: Notice.objects.filter(recipient_id=user).values("pk")[:size],
            ids=("user",),
        )

    first = family.get(5, lambda: make(5))
    assert family.get(5, lambda: make(5)) is first and made == [5]
    assert family.get(7, lambda: make(7)) is not first and made == [5, 7]
    alice = company.users["alice"]
    for n in range(8):
        Notice.objects.create(recipient=alice, kind="x", title=str(n))
    assert len(first.rows(DEFAULT_DB_ALIAS, user=alice.pk)) == 5
    newest = CompiledQuery(
        lambda user: Notice.objects.filter(recipient_id=user).order_by("-pk")[:1], ids=("user",)
    )
    found = newest.instance(Notice, DEFAULT_DB_ALIAS, user=alice.pk)
    assert found is not None and found.title == "7"
    assert newest.instance(Notice, DEFAULT_DB_ALIAS, user=company.users["bob"].pk) is None


def test_own_4_a_compiled_subquery_embeds_with_its_values(company) -> None:
    # claim_at_once embeds the claimant's pools, compiled once, in its own statement:
    # the SQL and the parameters given back must select what the queryset selects.
    from django.db import connection

    query = CompiledQuery(
        lambda user: User.objects.filter(pk=user).order_by().values("pk"), ids=("user",)
    )
    alice, bob = company.users["alice"], company.users["bob"]
    for person in (alice, bob):
        sql, params = query.statement(DEFAULT_DB_ALIAS, user=person.pk)
        assert str(person.pk) not in sql  # a parameter, not text in the SQL
        with connection.cursor() as cursor:
            embedded = f"SELECT count(*) FROM org_user WHERE id IN ({sql})"  # noqa: S608 Django-compiled
            cursor.execute(embedded, params)
            assert cursor.fetchone()[0] == 1
        assert params == [person.pk]


def test_arc_search_a_compiled_id_in_a_big_integer_column_is_swapped(company) -> None:
    # Django binds a BigIntegerField's value as psycopg's Int8(…): the stand-in in the
    # tallies' owner_key was left in place while the same id elsewhere was swapped, and
    # the scope's size read as 0.
    alice, bob = company.users["alice"], company.users["bob"]
    tallies = CompiledQuery(
        lambda owner: (
            CustomerTally.objects.filter(owner_key=owner)
            .values(one=Value(1))
            .annotate(live=Sum("live"))
            .values("live")
        ),
        ids=("owner",),
    )
    for user in (alice, bob):
        expected = Customer.objects.filter(owner=user, merged_into__isnull=True).count()
        assert expected > 0
        assert tallies.one(DEFAULT_DB_ALIAS, owner=user.pk) == {"live": expected}


def test_arc_search_the_compiled_window_is_the_scopes_newest_id_and_size(company) -> None:
    # scope_window (compiled per shape of reach) reads what the ORM's aggregate reads.
    for user in company.users.values():
        reach = reach_of(user)
        if reach is not None and reach.owner is None:
            continue  # an inactive user searches nothing; the ORM's way
        window = scope_window(reach)
        assert type(window.top) is int and type(window.share) is float  # not a Decimal sum
        top = (
            Customer.objects.filter(visible, merged_into__isnull=True)
            if (visible := scope_filter(user, Customer)) is not None
            else Customer.objects.all()
        )
        newest = top.aggregate(top=Max("id"))["top"] or 0
        size = customer_count(user)
        assert window.top == newest, user.username
        assert round(window.share * max(newest, 1)) == max(size, 1) or size == 0, user.username
