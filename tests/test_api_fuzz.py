"""The API never answers 500, and answers what its OpenAPI document says (issue 13 item 16).

Schemathesis generates requests for every operation of /api/v1/openapi.json — valid and
invalid bodies, query strings and path ids — and sends them in-process through Django's
WSGI application. Bounded and seeded: a few examples per operation, derandomized, so a
run takes seconds and fails the same way twice. It covers new endpoints automatically.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Company
from .factories import token_for


def _schema():  # type: ignore[no-untyped-def]
    """The document as /api/v1/openapi.json serves it, sent to the WSGI application."""
    import django

    django.setup()
    from zhike.api_v1 import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    loaded.app = get_wsgi_application()
    return loaded


schema = _schema()


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Django closes the database connection at the end of a WSGI request; in a test that
    is the test's own transaction. The test client keeps it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_every_operation_answers_within_its_contract(  # type: ignore[no-untyped-def]
    case, company: Company, connection_kept: None
) -> None:
    token = token_for(company.users["admin"])
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


def test_api_a_body_over_the_limit_is_413_in_the_error_shape(company: Company) -> None:
    from django.test import Client

    api = Client(headers={"Authorization": f"Bearer {token_for(company.users['alice'])}"})
    body = '{"name": "' + "甲" * (4 << 20) + '"}'
    response = api.post("/api/v1/customers", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_api_ids_beyond_64_bits_and_negative_offsets_are_4xx(company: Company) -> None:
    from django.test import Client

    api = Client(headers={"Authorization": f"Bearer {token_for(company.users['gm'])}"})
    assert api.get(f"/api/v1/customers/{2**64}").status_code == 404
    assert api.get("/api/v1/trade/orders?offset=-1").status_code == 400
    assert api.get(f"/api/v1/trade/orders?customer_id={2**63}").status_code == 400
    naive = api.post(
        "/api/v1/follow-ups",
        {
            "customer_id": company.customers["A"].pk,
            "kind": "call",
            "content": "x",
            "occurred_at": "2026-01-01T09:00:00",
        },
        content_type="application/json",
    )
    assert naive.status_code == 400
    assert naive.json()["errors"][0]["message"] == "时间须带时区,如 +08:00"


def test_api_schema_names_are_unique_so_each_operation_documents_its_own_body() -> None:
    """Issue 13 item 17: two ``LineOut`` made GET /trade/orders document review lines."""
    import importlib
    import inspect

    from pydantic import BaseModel

    from zhike.api_v1 import api

    names: dict[str, str] = {}
    for app in ("archive", "grading", "org", "policy", "trade", "workflow"):
        module = importlib.import_module(f"zhike.{app}.api")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                assert name not in names, f"{name} in {names.get(name)} and {module.__name__}"
                names[name] = module.__name__
    document = api.get_openapi_schema(path_prefix="/api/v1")
    order = document["components"]["schemas"]["OrderOut"]
    assert order["properties"]["lines"]["items"]["$ref"].endswith("/OrderLineOut")
