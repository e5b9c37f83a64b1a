"""/api/v1/policy — the policy in force and the presets (POL); revisions are policy.revisions."""

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from .loader import active_policy, preset_names

router = Router(tags=["policy"])


class InForceOut(Schema):
    name: str
    version: str
    effective_date: date
    based_on: str
    presets: list[str]


@router.get("", response=InForceOut, summary="当前生效的管理制度")
def in_force(request: HttpRequest) -> dict:
    meta = active_policy().policy
    return {
        "name": meta.name,
        "version": meta.version,
        "effective_date": meta.effective_date,
        "based_on": meta.based_on,
        "presets": preset_names(),
    }
