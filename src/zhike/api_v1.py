"""The REST API at /api/v1: one NinjaAPI, one router per domain app. It sits above the
apps (as urls.py does); zhike.api is the toolkit the apps' routers share and imports no
app."""

from typing import Any

import pydantic_core
from django.http import HttpRequest
from ninja.renderers import BaseRenderer

import zhike.converters  # noqa: F401  (<id:…> in the routers' paths)
from zhike.analytics.api import router as analytics_router
from zhike.api import errors
from zhike.api.openapi import DocumentedErrorsAPI
from zhike.archive.api import router as customers_router
from zhike.credit.api import router as credit_router
from zhike.credit.evidence_api import router as credit_evidence_router
from zhike.credit.review_api import router as credit_reviews_router
from zhike.engagement.api import router as follow_ups_router
from zhike.engagement.plan_api import router as visit_plans_router
from zhike.engagement.report_api import router as reports_router
from zhike.grading.api import router as grading_router
from zhike.org.api import router as auth_router
from zhike.org.api_auth import API_AUTH
from zhike.ownership.api import router as ownership_router
from zhike.ownership.reception_api import router as reception_router
from zhike.policy.api import router as policy_router
from zhike.policy.revisions.api import router as policy_versions_router
from zhike.servicedesk.api import public_router as public_service_router
from zhike.servicedesk.api import router as service_router
from zhike.trade.api import router as trade_router
from zhike.workflow.api import approvals_router, inbox_router


class Utf8JSONRenderer(BaseRenderer):
    """JSON by pydantic-core, in Rust: Chinese text as UTF-8 (not \\uXXXX escapes, readable
    in logs and curl), dates in ISO 8601, decimals as strings. Python's json module with
    ninja's encoder spent a quarter of a customer-list request on 50 rows."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return pydantic_core.to_json(data, fallback=str)


api = DocumentedErrorsAPI(
    renderer=Utf8JSONRenderer(),
    title="知客 zhike API",
    version="1",
    description="客户管理系统 REST API。认证:`POST /api/v1/auth/token` 取得令牌后使用 "
    "`Authorization: Bearer <token>`;网页会话同样有效。",
    auth=API_AUTH,
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/customers", customers_router)
api.add_router("/follow-ups", follow_ups_router)
api.add_router("/visit-plans", visit_plans_router)
api.add_router("/reports", reports_router)
api.add_router("/inbox", inbox_router)
api.add_router("/approvals", approvals_router)
api.add_router("/trade", trade_router)
api.add_router("/analytics", analytics_router)
api.add_router("/grading", grading_router)
api.add_router("/ownership", ownership_router)
api.add_router("/ownership/reception", reception_router)
api.add_router("/service", service_router)
api.add_router("/credit/reviews", credit_reviews_router)
api.add_router("/credit", credit_router)
api.add_router("/credit", credit_evidence_router)
api.add_router("/service/public", public_service_router)
api.add_router("/policy", policy_router)
api.add_router("/policy/versions", policy_versions_router)
