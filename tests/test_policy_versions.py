"""POL-3: a policy change is a new version with an effective date, approved through the
workflow core; results name the version they used."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from zhike.archive.errors import Conflict
from zhike.grading.reviews import review_start
from zhike.policy.loader import PolicyError, active_policy, load_policy
from zhike.policy.models import PolicyVersion
from zhike.policy.revisions.services import policy_version_submit
from zhike.policy.selectors import version_in_force
from zhike.workflow.approvals import ApprovalError, approval_act
from zhike.workflow.models import ApprovalRequest

from .conftest import Company


def revised(version: str, effective: date, stale_days: int = 14) -> str:
    return f"""
[policy]
name = "通用客户管理制度(2027 修订)"
version = "{version}"
effective_date = {effective.isoformat()}
extends = "general"

[archive.data_quality]
stale_after_days = {stale_days}
"""


@pytest.fixture
def general():  # type: ignore[no-untyped-def]
    return load_policy("general")


def test_pol_3_revision_approved_by_the_vice_president_takes_effect(
    company: Company, general
) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    version = policy_version_submit(
        by=company.users["mgr"],
        text=revised("general-2", today),
        note="资料更新期限改为 14 天",
        policy=general,
        now=timezone.now(),
    )
    assert version.state == PolicyVersion.State.SUBMITTED
    assert version_in_force(today) is None  # not before approval
    request = ApprovalRequest.objects.get(kind="policy_change")
    assert [c.username for c in request.steps.get().candidates.all()] == ["vp"]
    approval_act(
        request_id=request.pk,
        by=company.users["vp"],
        action="approve",
        comment="同意",
        policy=general,
        now=timezone.now(),
    )
    version.refresh_from_db()
    assert version.state == PolicyVersion.State.APPROVED
    with override_settings(ZHIKE_POLICY_REFRESH_SECONDS=0):
        active_policy.cache_clear()
        in_force = active_policy()
        assert in_force.policy.version == "general-2"
        assert in_force.archive.data_quality.stale_after_days == 14
        # Results name the version they were computed by.
        review = review_start(
            by=company.users["mgr"], policy=in_force, period_end=today, now=timezone.now()
        )
        assert review.policy_version == "general-2"
    active_policy.cache_clear()


def test_pol_3_future_effective_date(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    later = today + timedelta(days=40)
    policy_version_submit(
        by=company.users["mgr"],
        text=revised("general-3", later),
        policy=general,
        now=timezone.now(),
    )
    PolicyVersion.objects.update(state=PolicyVersion.State.APPROVED)
    assert version_in_force(today) is None
    assert version_in_force(later).version == "general-3"  # type: ignore[union-attr]


def test_pol_3_invalid_revision_is_refused_with_its_problems(company: Company, general) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    with pytest.raises(PolicyError) as caught:
        policy_version_submit(
            by=company.users["mgr"],
            text=revised("general-4", today, stale_days=0),
            policy=general,
            now=timezone.now(),
        )
    assert caught.value.problems[0].key == "archive.data_quality.stale_after_days"
    with pytest.raises(ApprovalError, match="生效日期不能早于今天"):
        policy_version_submit(
            by=company.users["mgr"],
            text=revised("general-5", today - timedelta(days=1)),
            policy=general,
            now=timezone.now(),
        )
    policy_version_submit(
        by=company.users["mgr"],
        text=revised("general-6", today),
        policy=general,
        now=timezone.now(),
    )
    with pytest.raises(Conflict, match="已存在"):
        policy_version_submit(
            by=company.users["mgr"],
            text=revised("general-6", today),
            policy=general,
            now=timezone.now(),
        )
    assert PolicyVersion.objects.count() == 1 and ApprovalRequest.objects.count() == 1


def test_pol_3_revision_over_the_api(company: Company) -> None:
    today = timezone.localdate()
    mgr = company.api("mgr")
    bad = mgr.post(
        "/api/v1/policy/versions",
        {"text": revised("general-7", today, stale_days=0)},
        "application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "archive.data_quality.stale_after_days"
    denied = company.api("alice").post(
        "/api/v1/policy/versions", {"text": revised("general-7", today)}, "application/json"
    )
    assert denied.status_code == 403
    good = mgr.post(
        "/api/v1/policy/versions",
        {"text": revised("general-7", today), "note": "资料更新期限 14 天"},
        "application/json",
    )
    assert good.status_code == 201 and good.json()["state"] == "submitted"
    assert [v["version"] for v in mgr.get("/api/v1/policy/versions").json()] == ["general-7"]
    assert company.api("alice").get("/api/v1/policy").json()["version"] == "general-1"


def test_pol_3_revision_uploaded_on_the_policy_page(company: Company) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = company.client("mgr")
    page = client.get("/policy/")
    assert "当前生效" in page.text and "general-1" in page.text
    current = client.get("/policy/current.toml")
    assert current.status_code == 200 and 'version = "general-1"' in current.content.decode()
    # A file with a mistake: every problem in Chinese, nothing submitted
    bad = SimpleUploadedFile("p.toml", revised("general-2", date(2020, 1, 1)).encode())
    response = client.post("/policy/", {"file": bad, "note": "x"})
    assert "生效日期不能早于今天" in response.text
    broken = SimpleUploadedFile("p.toml", b'[policy]\nname = "x"\nversion = 3\n')
    response = client.post("/policy/", {"file": broken})
    assert "管理制度文件无效" in response.text and "policy.version" in response.text
    assert not PolicyVersion.objects.exists()
    # A good one goes for approval and is listed
    good = SimpleUploadedFile(
        "p.toml", revised("general-2", timezone.localdate() + timedelta(days=7)).encode()
    )
    response = client.post(
        "/policy/", {"file": good, "note": "资料更新期限改为 14 天"}, follow=True
    )
    assert "已提交审批" in response.text and "资料更新期限改为 14 天" in response.text
    version = PolicyVersion.objects.get()
    assert version.state == PolicyVersion.State.SUBMITTED
    assert ApprovalRequest.objects.filter(kind="policy_change", object_id=version.pk).exists()


def test_pol_3_salesperson_sees_the_policy_but_cannot_revise(company: Company) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = company.client("alice")
    page = client.get("/policy/")
    assert page.status_code == 200 and "general-1" in page.text
    assert "提交制度修订" not in page.text
    assert client.get("/policy/current.toml").status_code == 403
    upload = SimpleUploadedFile("p.toml", revised("general-2", timezone.localdate()).encode())
    assert client.post("/policy/", {"file": upload}).status_code == 403
    assert not PolicyVersion.objects.exists()


REVISERS = {"admin", "crm", "gm", "mgr", "vp"}  # who run reviews (s004: 业务部经理修订)


PERSONAS = ["admin", "alice", "arch", "bob", "carol", "crm", "cs", "fin", "gm", "mgr", "office"]
PERSONAS += ["prod", "sup", "tech", "vp"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_pol_3_policy_page_access_by_role(company: Company, persona: str) -> None:
    client = company.client(persona)
    page = client.get("/policy/")
    assert page.status_code == 200 and "general-1" in page.text  # everyone reads the policy
    assert ("提交制度修订" in page.text) == (persona in REVISERS)
    assert client.get("/policy/current.toml").status_code == (200 if persona in REVISERS else 403)
    api = company.api(persona).get("/api/v1/policy/versions")
    assert api.status_code == (200 if persona in REVISERS else 403)
