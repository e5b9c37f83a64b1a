"""Shared fixtures: a small company with one persona per seed role (ORG-1)."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from zhike.archive.models import Customer
from zhike.org.models import Department, User
from zhike.org.services import ensure_roles
from zhike.policy.loader import load_policy
from zhike.policy.schema import Policy

from .factories import CustomerFactory, DepartmentFactory, UserFactory, token_for

# persona -> (department code, roles). Department tree:
#   hq ─ marketing ─ sales1 / sales2 / east ; hq ─ service / finance / tech / production / office
PERSONAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "alice": ("sales1", ("salesperson",)),
    "bob": ("sales2", ("salesperson",)),
    "carol": ("east", ("salesperson",)),
    "sup": ("sales1", ("supervisor",)),
    "mgr": ("marketing", ("sales_manager",)),
    "vp": ("marketing", ("vice_president",)),
    "gm": ("hq", ("general_manager",)),
    "cs": ("service", ("service_agent",)),
    "crm": ("service", ("crm_manager",)),
    "fin": ("finance", ("finance",)),
    "tech": ("tech", ("technical",)),
    "prod": ("production", ("production",)),
    "arch": ("office", ("archivist",)),
    "office": ("east", ("office_director",)),
}


@pytest.fixture(autouse=True)
def company_language():  # type: ignore[no-untyped-def]
    """Each test starts in the company's language: a request in English activates English
    in the test's thread (as in a server thread), and the next test must not inherit it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Company:
    departments: dict[str, Department]
    users: dict[str, User]
    customers: dict[str, Customer]

    def client(self, persona: str) -> Client:
        client = Client()
        client.force_login(self.users[persona])
        return client

    def api(self, persona: str) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(self.users[persona])}"})


def build_company() -> Company:
    ensure_roles()
    departments: dict[str, Department] = {}
    for code, parent in [
        ("hq", None),
        ("marketing", "hq"),
        ("sales1", "marketing"),
        ("sales2", "marketing"),
        ("east", "marketing"),
        ("service", "hq"),
        ("finance", "hq"),
        ("tech", "hq"),
        ("production", "hq"),
        ("office", "hq"),
    ]:
        departments[code] = DepartmentFactory(
            code=code, name=code, parent=departments[parent] if parent else None
        )
    users = {
        name: UserFactory(username=name, department=departments[dept], roles=roles)
        for name, (dept, roles) in PERSONAS.items()
    }
    users["admin"] = UserFactory(
        username="admin", department=None, is_superuser=True, is_staff=True
    )
    customers = {
        "A": CustomerFactory(name="甲方阿尔法科技", owner=users["alice"]),
        "B": CustomerFactory(name="乙方贝塔商贸", owner=users["bob"]),
        "E": CustomerFactory(name="东方伊普西隆", owner=users["carol"]),
        "P": CustomerFactory(
            name="公海派客户", owner=None, department=None, created_by=users["admin"]
        ),
    }
    return Company(departments, users, customers)


@pytest.fixture
def company(db: None) -> Company:
    return build_company()


@pytest.fixture(scope="session")
def general_policy() -> Policy:
    return load_policy("general")
