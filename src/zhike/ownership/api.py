"""/api/v1/ownership — the public pool, claims, releases, assignments, hand-overs and
locks (OWN-1, OWN-3, OWN-4, OWN-8). A refusal is the one error shape; its one field names
the policy key that refused (``ownership.cooldown_days``)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from zhike.api.schema import Id, In, PageQuery
from zhike.archive.models import Customer, OwnershipChange
from zhike.archive.selectors import access_customer, mask_phone
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import distribution, locks, referrals, reservations, selectors, services

router = Router(tags=["ownership"])

REASON = Field(min_length=1, max_length=200, description="why: kept in the history")


class PoolOut(Schema):
    code: str
    name: str


class PoolCustomerOut(Schema):
    id: int
    code: str
    name: str
    phone: str = Field(description="masked")
    in_pool_since: datetime
    reason: str
    claimable_from: datetime | None


class PoolQuery(PageQuery):
    pool: str = Field(default="public", max_length=30, pattern=r"^[a-z][a-z0-9_-]{0,29}$")
    q: str = Field(default="", max_length=50, description="a fragment of the name")


class ClaimIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id


class ClaimOut(Schema):
    customer_id: int
    owner_id: int
    owner: str
    reason: str = Field(description="why the owner is not the claimant (ARC-8), else empty")


class ReleaseIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    reason: str = REASON


class ReleaseOut(Schema):
    customer_id: int
    pool: str


class AssignIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_ids: list[Id] = Field(min_length=1, max_length=services.BATCH)
    to_user_id: Id
    reason: str = REASON


class HandOverIn(In):
    model_config = ConfigDict(extra="forbid")
    from_user_id: Id
    to_user_id: Id
    reason: str = REASON


class CountOut(Schema):
    count: int


class LockIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    reason: str = REASON


class ChangeOut(Schema):
    id: int
    customer_id: int
    kind: str
    kind_label: str
    from_user: str | None
    to_user: str | None
    by: str | None = Field(description="empty: a rule did it")
    at: datetime
    reason: str
    rule: str
    pool: str


class KeepingOut(Schema):
    customer_id: int
    name: str
    clock: datetime = Field(description="the later of the last qualifying contact and owned since")
    days_left: int | None = Field(description="days before it goes back to the pool; empty: kept")
    rule: str
    locked: bool


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _change(c: OwnershipChange) -> dict:
    return {
        "id": c.pk,
        "customer_id": c.customer_id,
        "kind": c.kind,
        "kind_label": str(c.get_kind_display()),
        "from_user": str(c.from_user) if c.from_user else None,
        "to_user": str(c.to_user) if c.to_user else None,
        "by": str(c.by) if c.by else None,
        "at": c.at,
        "reason": c.reason,
        "rule": c.rule,
        "pool": c.pool,
    }


def pool_row(c: Customer) -> dict:
    entry = getattr(c, "pool_entry", None)
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "phone": mask_phone(c.phone),
        "in_pool_since": entry.since if entry else c.created_at,
        "reason": entry.reason if entry else "",
        "claimable_from": entry.claimable_from if entry else None,
    }


@router.get("/pools", response=list[PoolOut], summary="我可以领取的公海")
def list_pools(request: HttpRequest) -> list[dict]:
    return [{"code": p.code, "name": p.name} for p in selectors.my_pools(_user(request))]


@router.get("/pool", response=list[PoolCustomerOut], summary="公海客户(新进入的在前)")
def list_pool(request: HttpRequest, query: Query[PoolQuery]) -> list[dict]:
    items = selectors.pool_customers(_user(request), pool_code=query.pool, policy=active_policy())
    if query.q:
        items = items.filter(name__contains=query.q)
    return [pool_row(c) for c in items[query.window]]


@router.post("/claims", response={201: ClaimOut}, summary="领取公海客户")
def claim(request: HttpRequest, payload: ClaimIn) -> Status:
    done = services.customer_claim(
        by=_user(request),
        customer_id=payload.customer_id,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "customer_id": done.customer.pk,
            "owner_id": done.owner.pk,
            "owner": str(done.owner),
            "reason": done.reason,
        },
    )


@router.post("/releases", response={201: ReleaseOut}, summary="退回公海或收回客户")
def release(request: HttpRequest, payload: ReleaseIn) -> Status:
    pool = services.customer_release(
        by=_user(request),
        customer_id=payload.customer_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, {"customer_id": payload.customer_id, "pool": pool.code})


@router.post("/assignments", response={201: CountOut}, summary="分配或转移客户")
def assign(request: HttpRequest, payload: AssignIn) -> Status:
    count = services.customers_assign(
        by=_user(request),
        customer_ids=payload.customer_ids,
        to_user_id=payload.to_user_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, {"count": count})


@router.post("/handovers", response={201: CountOut}, summary="离职交接:转移某人的全部客户")
def hand_over(request: HttpRequest, payload: HandOverIn) -> Status:
    count = services.customers_hand_over(
        by=_user(request),
        from_user_id=payload.from_user_id,
        to_user_id=payload.to_user_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, {"count": count})


@router.post("/locks", response={201: CountOut}, summary="锁定客户(不按联系收回)")
def lock(request: HttpRequest, payload: LockIn) -> Status:
    locks.customer_lock(
        by=_user(request),
        customer_id=payload.customer_id,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, {"count": 1})


@router.delete("/locks/{id:customer_id}", response={204: None}, summary="解除锁定")
def unlock(request: HttpRequest, customer_id: int) -> Status:
    locks.customer_unlock(
        by=_user(request), customer_id=customer_id, policy=active_policy(), now=timezone.now()
    )
    return Status(204, None)


@router.get("/mine", response=list[KeepingOut], summary="我的客户:距退回公海的天数")
def mine(request: HttpRequest, query: Query[PageQuery]) -> list[dict]:
    rows = selectors.my_keeping(
        _user(request),
        policy=active_policy(),
        now=timezone.now(),
        limit=query.offset + query.limit,
    )[query.offset :]
    return [
        {
            "customer_id": k.customer.pk,
            "name": k.customer.name,
            "clock": k.clock,
            "days_left": k.days_left,
            "rule": k.rule,
            "locked": k.locked,
        }
        for k in rows
    ]


@router.get(
    "/customers/{id:customer_id}/history", response=list[ChangeOut], summary="客户的归属记录"
)
def history(request: HttpRequest, customer_id: int, query: Query[PageQuery]) -> list[dict]:
    return [_change(c) for c in selectors.history_of(_user(request), customer_id)[query.window]]


@router.get("/reassignable", response=list[KeepingOut], summary="长期未服务、可重新分配的客户")
def reassignable(request: HttpRequest, query: Query[PageQuery]) -> list[dict]:
    policy = active_policy()
    rows = selectors.reassignable(_user(request), policy=policy, now=timezone.now())
    return [
        {
            "customer_id": c.pk,
            "name": c.name,
            "clock": c.clock,  # type: ignore[attr-defined]
            "days_left": 0,
            "rule": f"ownership.reassign_after_days={policy.ownership.reassign_after_days}",
            "locked": False,
        }
        for c in rows[query.window]
    ]


class DepositIn(In):
    model_config = ConfigDict(extra="forbid")
    customer_id: Id
    item: str = Field(min_length=1, max_length=60, description="the unit or vehicle")
    deposit: Decimal = Field(gt=0, max_digits=14, decimal_places=2)


class DepositOut(Schema):
    id: int
    item: str
    customer_id: int
    deposit: Decimal
    at: datetime


@router.post("/deposits", response={201: DepositOut}, summary="登记定金(先交定金者为先)")
def deposit(request: HttpRequest, payload: DepositIn) -> Status:
    held = reservations.deposit_record(
        by=_user(request),
        customer_id=payload.customer_id,
        item=payload.item,
        deposit=payload.deposit,
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "id": held.pk,
            "item": held.item,
            "customer_id": held.customer_id,
            "deposit": held.deposit,
            "at": held.at,
        },
    )


class ReferralIn(In):
    model_config = ConfigDict(extra="forbid")
    referrer_id: Id
    referred_id: Id
    in_person: bool = Field(default=False, description="brought in person by the referrer")


class ReferralOut(Schema):
    referred_id: int
    referrer_id: int
    in_person: bool
    at: datetime


class AttendanceIn(In):
    model_config = ConfigDict(extra="forbid")
    referred_id: Id
    event: str = Field(min_length=1, max_length=100)


class PointsOut(Schema):
    customer_id: int
    points: int


@router.post("/referrals", response={201: ReferralOut}, summary="登记客户介绍(先行登记或亲自带来)")
def refer(request: HttpRequest, payload: ReferralIn) -> Status:
    done = referrals.referral_register(
        by=_user(request),
        referrer_id=payload.referrer_id,
        referred_id=payload.referred_id,
        in_person=payload.in_person,
        now=timezone.now(),
    )
    return Status(
        201,
        {
            "referred_id": done.referred_id,
            "referrer_id": done.referrer_id,
            "in_person": done.in_person,
            "at": done.at,
        },
    )


@router.post("/referrals/attendance", response={201: PointsOut}, summary="被介绍客户参加活动(积分)")
def attended(request: HttpRequest, payload: AttendanceIn) -> Status:
    award = referrals.referral_attended(
        by=_user(request),
        referred_id=payload.referred_id,
        event=payload.event,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, {"customer_id": award.referrer_id, "points": award.points})


@router.get("/customers/{id:customer_id}/points", response=PointsOut, summary="客户的介绍积分")
def points(request: HttpRequest, customer_id: int) -> dict:
    customer = access_customer(_user(request), customer_id)
    return {"customer_id": customer.pk, "points": referrals.points_of(customer)}


class DistributeIn(In):
    model_config = ConfigDict(extra="forbid")
    pool: str = Field(max_length=30, pattern=r"^[a-z][a-z0-9_-]{0,29}$")
    count: int = Field(ge=1, le=services.BATCH)
    reason: str = Field(default="", max_length=200)


class ShareOut(Schema):
    user_id: int
    count: int


@router.post("/distributions", response={201: list[ShareOut]}, summary="公海客户轮流分配")
def distribute(request: HttpRequest, payload: DistributeIn) -> Status:
    shares = distribution.pool_distribute(
        by=_user(request),
        pool_code=payload.pool,
        count=payload.count,
        reason=payload.reason,
        policy=active_policy(),
        now=timezone.now(),
    )
    return Status(201, [{"user_id": pk, "count": n} for pk, n in shares.items()])
