"""SEC-5: masking that no surface defeats — search, history, duplicates, logs (issue 13
items 1–4)."""

import logging

import pytest
from django.test import override_settings

from zhike.archive.models import Customer
from zhike.archive.services import customer_update
from zhike.audit.models import Event
from zhike.policy.loader import load_policy

from .conftest import Company

JSON = "application/json"
POLICY = load_policy("general")


@pytest.fixture
def numbered(company: Company) -> Customer:
    """Bob's customer with a known mobile number, seen masked by everyone but Bob."""
    customer = company.customers["B"]
    customer_update(
        by=company.users["bob"],
        customer_id=customer.pk,
        data={"phone": "17712345876"},
        policy=POLICY,
    )
    return customer


def found(company: Company, persona: str, q: str) -> set[int]:
    response = company.api(persona).get("/api/v1/customers", {"q": q, "limit": 200})
    assert response.status_code == 200
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize("persona", ["cs", "gm", "mgr"])
def test_sec_5_search_does_not_rebuild_a_masked_number_digit_by_digit(
    company: Company, numbered: Customer, persona: str
) -> None:
    """The attack: see 177****5876, then try ?q=05876, 15876 … and watch the result."""
    assert numbered.pk in found(company, persona, "5876")  # the last four: shown anyway
    assert numbered.pk in found(company, persona, "17712345876")  # the whole number
    assert numbered.pk in found(company, persona, "177-1234-5876")
    for fragment in ("45876", "345876", "2345876", "1771234587", "1234", "77123"):
        assert numbered.pk not in found(company, persona, fragment), fragment


def test_sec_5_the_owner_searches_their_own_numbers_by_any_fragment(
    company: Company, numbered: Customer
) -> None:
    assert numbered.pk in found(company, "bob", "345876")
    assert numbered.pk in found(company, "bob", "77123")


def test_sec_5_a_contacts_number_follows_the_same_rule(company: Company) -> None:
    customer = company.customers["B"]
    response = company.api("bob").post(
        f"/api/v1/customers/{customer.pk}/contacts",
        {"name": "钱经理", "phone": "13698761234"},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert customer.pk in found(company, "gm", "1234")
    assert customer.pk in found(company, "gm", "13698761234")
    assert customer.pk not in found(company, "gm", "761234")
    contacts = company.api("gm").get(f"/api/v1/customers/{customer.pk}/contacts").json()
    assert contacts[0]["phone"] == "136****1234"


def test_sec_5_digits_of_a_code_or_name_still_find_customers_with_letters(
    company: Company,
) -> None:
    customer = company.customers["B"]
    assert customer.pk in found(company, "gm", customer.code)


def test_sec_5_change_history_masks_phone_numbers(company: Company, numbered: Customer) -> None:
    page = company.client("gm").get(f"/customers/{numbered.pk}/?tab=history")
    assert page.status_code == 200
    assert "17712345876" not in page.text
    assert "177****5876" in page.text
    own = company.client("bob").get(f"/customers/{numbered.pk}/?tab=history")
    assert "17712345876" in own.text


def test_sec_5_no_page_of_a_masked_customer_shows_the_number(
    company: Company, numbered: Customer
) -> None:
    client = company.client("gm")
    for path in (
        "/customers/",
        f"/customers/?q={numbered.code}",
        f"/customers/{numbered.pk}/",
        f"/customers/{numbered.pk}/?tab=contacts",
        f"/customers/{numbered.pk}/?tab=timeline",
        f"/customers/{numbered.pk}/?tab=history",
        f"/customers/{numbered.pk}/grading/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "17712345876" not in page.text, path


def test_sec_5_revealing_on_the_360_page_is_audited(company: Company, numbered: Customer) -> None:
    client = company.client("gm")
    page = client.get(f"/customers/{numbered.pk}/")
    assert "查看完整号码" in page.text
    revealed = client.post(f"/customers/{numbered.pk}/?tab=basic", {"reveal": "1"})
    assert "17712345876" in revealed.text
    assert Event.objects.filter(
        action="customer.phone_revealed", actor=company.users["gm"]
    ).exists()
    # Who may not reveal is not offered the button, and a forged post reveals nothing.
    cs = company.client("cs")
    assert "查看完整号码" not in cs.get(f"/customers/{numbered.pk}/").text
    forged = cs.post(f"/customers/{numbered.pk}/?tab=basic", {"reveal": "1"})
    assert "17712345876" not in forged.text
    assert not Event.objects.filter(action="customer.phone_revealed", actor=company.users["cs"])


def test_arc_7_duplicate_check_names_the_owner_outside_scope_audits_and_is_rate_limited(
    company: Company, numbered: Customer
) -> None:
    api = company.api("alice")
    answer = api.post("/api/v1/customers/duplicates", {"phone": "17712345876"}, content_type=JSON)
    assert answer.status_code == 200
    (hint,) = answer.json()
    assert hint["customer_id"] is None  # outside alice's scope: masked, with its owner
    assert hint["owner"] == str(company.users["bob"])
    (event,) = Event.objects.filter(action="customer.duplicate_checked")
    assert event.actor == company.users["alice"]
    assert event.details["phone"] == "177****5876"
    assert event.details["outside_scope"] == 1
    with override_settings(ZHIKE_DUPLICATE_CHECKS=2):
        statuses = [
            api.post("/api/v1/customers/duplicates", {"name": "贝塔"}, content_type=JSON)
            for _ in range(3)
        ]
    assert [s.status_code for s in statuses][-1] == 429
    assert statuses[-1].json()["message"] == "查重过于频繁,请稍后再试"


def test_arc_7_the_policy_may_hide_the_owner_of_a_duplicate_outside_scope(
    company: Company, numbered: Customer
) -> None:
    from zhike.archive.privacy import duplicate_check
    from zhike.policy.loader import parse_policy

    hidden = parse_policy(
        '[policy]\nname = "t"\nversion = "t"\neffective_date = 2026-01-01\n'
        "[archive.duplicate_check]\nshow_owner_outside_scope = false\n"
    )
    (hint,) = duplicate_check(by=company.users["alice"], phone="17712345876", policy=hidden)
    assert hint.owner == "其他同事"


def test_sec_5_logged_urls_carry_no_search_terms_or_numbers(
    company: Company, caplog: pytest.LogCaptureFixture
) -> None:
    from zhike.logscrub import scrub

    assert scrub("GET /customers/?q=17712345876&status=lost HTTP/1.1") == (
        "GET /customers/?q=***&status=lost HTTP/1.1"
    )
    assert scrub("/api/v1/customers?phone=138&name=%E5%BC%A0") == (
        "/api/v1/customers?phone=***&name=***"
    )
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        ("GET /customers/?q=5876 HTTP/1.1", "200", "12"),
        None,
    )
    from zhike.logscrub import ScrubPersonalQueries

    ScrubPersonalQueries().filter(record)
    assert record.getMessage() == '"GET /customers/?q=*** HTTP/1.1" 200 12'


@pytest.mark.parametrize(
    ("stored", "full", "masked"),
    [
        ("057187001234", "0571-87001234", "0571-****1234"),
        ("01062345678", "010-62345678", "010-****5678"),
        ("02087654321", "020-87654321", "020-****4321"),
        ("13812345678", "13812345678", "138****5678"),
    ],
)
def test_sec_5_landlines_show_their_area_code_apart(stored: str, full: str, masked: str) -> None:
    """Issue 13 item 22: 057187001234 in the list and the export."""
    from zhike.archive.selectors import display_phone

    assert display_phone(stored, full=True) == full
    assert display_phone(stored, full=False) == masked


def test_sec_5_the_list_and_the_export_show_a_landline_as_written(company: Company) -> None:
    import io

    from openpyxl import load_workbook

    customer = company.customers["A"]
    customer_update(
        by=company.users["alice"],
        customer_id=customer.pk,
        data={"phone": "0571-87001234"},
        policy=POLICY,
    )
    client = company.client("alice")
    assert "0571-87001234" in client.get("/customers/").text
    export = client.get("/customers/export/")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert "0571-87001234" in [c.value for row in sheet.iter_rows() for c in row]
