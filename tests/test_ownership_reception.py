"""OWN-5 (s003-5): the walk-in reception rotation — in order, the busy and the away skipped
and keeping their turn, a visitor who asks for someone by name, a returning customer to
its owner; two visitors at once never go to the same person by rotation."""

import pytest
from django.utils import timezone

from zhike.ownership.errors import OwnershipError, PermissionDenied
from zhike.ownership.models import Duty, Walkin
from zhike.ownership.reception import duty_set, duty_status_set, walkin_register

from .base import RealTransactionTestCase
from .concurrency import run_in_threads
from .conftest import Company, build_company
from .factories import UserFactory


def desk(company: Company) -> tuple[list, int]:
    """A sales1 roster of three: alice, then dave, then erin."""
    sales1 = company.departments["sales1"]
    dave = UserFactory(username="dave", department=sales1, roles=("salesperson",))
    erin = UserFactory(username="erin", department=sales1, roles=("salesperson",))
    people = [company.users["alice"], dave, erin]
    duty_set(
        by=company.users["sup"],
        department_id=sales1.pk,
        day=timezone.localdate(),
        user_ids=[p.pk for p in people],
    )
    return people, sales1.pk


def visit(company: Company, department: int, name: str = "来访客户", **kw):  # type: ignore[no-untyped-def]
    return walkin_register(
        by=company.users["sup"], department_id=department, visitor=name, now=timezone.now(), **kw
    )


def free(user) -> None:  # type: ignore[no-untyped-def]
    duty = Duty.objects.get(user=user, day=timezone.localdate())
    duty_status_set(by=user, duty_id=duty.pk, status="free")


def test_own_5_in_order_then_round_again(company: Company) -> None:
    people, dept = desk(company)
    got = []
    for _i in range(3):
        got.append(visit(company, dept).walkin.received_by)
        free(got[-1])
    assert got == people
    assert visit(company, dept).walkin.received_by == people[0]  # round two


def test_own_5_busy_and_absent_are_skipped_and_keep_their_turn(company: Company) -> None:
    (alice, dave, erin), dept = desk(company)
    first = visit(company, dept).walkin  # alice takes one, and is now receiving
    assert first.received_by == alice and first.reason == "rotation"
    duty_status_set(by=dave, duty_id=Duty.objects.get(user=dave).pk, status="absent")
    assert visit(company, dept).walkin.received_by == erin  # alice busy, dave away
    free(dave)
    free(erin)
    # dave was skipped: he has taken none, so the next one is his, before alice's next.
    assert visit(company, dept).walkin.received_by == dave


def test_own_5_a_visitor_asking_for_someone_goes_to_them(company: Company) -> None:
    (alice, _dave, erin), dept = desk(company)
    asked = visit(company, dept, asked_for_id=erin.pk).walkin
    assert (asked.received_by, asked.reason) == (erin, "asked")
    assert Duty.objects.get(user=erin).taken == 0  # not a rotation turn
    assert visit(company, dept).walkin.received_by == alice


def test_own_5_a_returning_customer_goes_to_its_owner(company: Company) -> None:
    (_alice, _dave, _erin), dept = desk(company)
    bob_customer = company.customers["B"]
    walkin = visit(company, dept, phone=bob_customer.phone).walkin
    assert walkin.received_by == company.users["bob"] and walkin.reason == "returning"
    assert walkin.customer == bob_customer


def test_own_5_no_one_free_or_no_roster_is_a_clear_refusal(company: Company) -> None:
    with pytest.raises(OwnershipError, match="还没有安排"):
        walkin_register(
            by=company.users["mgr"],
            department_id=company.departments["sales2"].pk,
            visitor="某人",
            now=timezone.now(),
        )
    people, dept = desk(company)
    for person in people:
        duty_status_set(by=person, duty_id=Duty.objects.get(user=person).pk, status="busy")
    with pytest.raises(OwnershipError, match="没有空闲") as refused:
        visit(company, dept)
    assert refused.value.rule == "ownership.reception"
    assert not Walkin.objects.exists()


def test_own_5_only_the_departments_managers_run_its_desk(company: Company) -> None:
    with pytest.raises(PermissionDenied):
        duty_set(
            by=company.users["alice"],
            department_id=company.departments["sales1"].pk,
            day=timezone.localdate(),
            user_ids=[],
        )
    with pytest.raises(PermissionDenied):  # sup runs sales1, not sales2
        walkin_register(
            by=company.users["sup"],
            department_id=company.departments["sales2"].pk,
            visitor="某人",
            now=timezone.now(),
        )
    with pytest.raises(OwnershipError, match="本部门"):
        duty_set(
            by=company.users["sup"],
            department_id=company.departments["sales1"].pk,
            day=timezone.localdate(),
            user_ids=[company.users["bob"].pk],
        )


class ReceptionRaceTests(RealTransactionTestCase):
    def test_own_5_visitors_registered_at_once_go_to_different_people(self) -> None:
        company = build_company()
        people, dept = desk(company)
        errors = run_in_threads(3, lambda i: visit(company, dept, name=f"来访{i}"))
        self.assertEqual(errors, [])
        receivers = sorted(Walkin.objects.values_list("received_by_id", flat=True))
        self.assertEqual(receivers, sorted(p.pk for p in people))


def test_own_5_through_the_api(company: Company) -> None:
    people, dept = desk(company)
    api = company.api("sup")
    walkin = api.post(
        "/api/v1/ownership/reception/walkins",
        {"department_id": dept, "visitor": "王先生"},
        content_type="application/json",
    )
    assert walkin.status_code == 201 and walkin.json()["received_by_id"] == people[0].pk
    board = api.get(f"/api/v1/ownership/reception/board?department_id={dept}").json()
    assert [d["status"] for d in board["duties"]] == ["busy", "free", "free"]
    assert board["walkins"][0]["reason_label"] == "按轮值顺序"
    assert (
        company.api("alice")
        .get(f"/api/v1/ownership/reception/board?department_id={dept}")
        .status_code
        == 403
    )
    missing = api.post(
        "/api/v1/ownership/reception/walkins",
        {"department_id": 987654, "visitor": "某"},
        content_type="application/json",
    )
    assert missing.status_code == 404


def test_own_5_the_board_page(company: Company) -> None:
    _people, dept = desk(company)
    client = company.client("sup")
    page = client.get("/ownership/reception/")
    assert page.status_code == 200 and "今日轮值" in page.text
    done = client.post(
        f"/ownership/reception/?department={dept}", {"visitor": "李女士"}, follow=True
    )
    assert "请 " in done.text and "接待" in done.text
    assert company.client("alice").get("/ownership/reception/").status_code == 403
