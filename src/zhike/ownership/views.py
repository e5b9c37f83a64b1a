"""Pages of ownership: the pool (公海) with claim and distribution, my customers by days
left, a customer's ownership with its history and actions, and the manager's page of
customers to reassign (OWN-3) with the hand-over of a leaver's customers."""

from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer, mask_phone
from zhike.errors import CustomerNotFound, RuleError
from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.policy.loader import active_policy

from . import distribution, locks, reception, selectors, services
from .models import DutyStatus
from .services import ASSIGN, CLAIM

PAGE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and 0 < int(v) < 2**63]


def _assignees(user: User) -> list[User]:
    """The people a manager may give customers to: active, in scope, serving customers."""
    people = users_in_scope(user).filter(roles__permissions__codename="claim_customer")
    return list(people.distinct().order_by("department__path", "username")[:500])


def _attempt(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    """Run a service; show its refusal as the page's message (nothing changed)."""
    try:
        action()
    except RuleError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


def _pool_row(customer: Customer, now: datetime) -> tuple:
    """(customer, masked phone, entry, in the pool since, days in the pool)."""
    entry = getattr(customer, "pool_entry", None)
    since = entry.since if entry is not None else customer.created_at
    return customer, mask_phone(customer.phone), entry, since, (now - since).days


@login_required
def pool_page(request: HttpRequest) -> HttpResponse:
    user, policy = _user(request), active_policy()
    pools = selectors.my_pools(user)
    code = request.GET.get("pool") or (pools[0].code if pools else policy.ownership.default_pool)
    try:
        rows = selectors.pool_customers(user, pool_code=code, policy=policy)
    except RuleError as exc:
        return render(request, "ownership/pool.html", {"refused": exc.message}, status=403)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        rows = rows.filter(name__contains=q)  # the name only: the phone stays masked
    page, now = list(rows[:PAGE]), timezone.now()
    context = {
        "pools": pools,
        "pool": code,
        "q": q,
        "rows": [_pool_row(c, now) for c in page],
        "now": now,
        "may_claim": user.has_perm(CLAIM),
        "may_assign": user.has_perm(ASSIGN),
        "assignees": _assignees(user) if user.has_perm(ASSIGN) else [],
        "rules": policy.ownership,
    }
    return render(request, "ownership/pool.html", context)


@login_required
@require_POST
def claim(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = _user(request)
    outcome: list[services.Claimed] = []

    def run() -> None:
        outcome.append(
            services.customer_claim(
                by=user, customer_id=customer_id, policy=active_policy(), now=timezone.now()
            )
        )

    if not _attempt(request, run, _("已领取,客户已归您负责")):
        return redirect("ownership-pool")
    if outcome[0].owner.pk != user.pk:
        messages.info(request, outcome[0].reason)
        return redirect("ownership-pool")
    return redirect("customer-detail", customer_id)


@login_required
@require_POST
def assign(request: HttpRequest) -> HttpResponse:
    """Bulk 分配 / 转移 from the pool or the reassignment list."""
    user = _user(request)
    ids = _ids(request.POST.getlist("customer"))
    to_user = _ids([request.POST.get("to_user", "")])
    back = request.POST.get("back") or "ownership-pool"
    if back not in ("ownership-pool", "ownership-reassign"):
        back = "ownership-pool"
    if not to_user:
        messages.error(request, _("请选择接收人"))
        return redirect(back)
    _attempt(
        request,
        lambda: services.customers_assign(
            by=user,
            customer_ids=ids,
            to_user_id=to_user[0],
            reason=request.POST.get("reason", "")[:200],
            policy=active_policy(),
            now=timezone.now(),
        ),
        _("已分配 %(count)s 个客户") % {"count": len(ids)},
    )
    return redirect(back)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user, policy, now = _user(request), active_policy(), timezone.now()
    rows = selectors.my_keeping(user, policy=policy, now=now, limit=100)
    context = {"rows": rows, "rules": policy.ownership, "now": now}
    return render(request, "ownership/mine.html", context)


@login_required
def my_history(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.my_history(_user(request))[:100])
    return render(request, "ownership/history.html", {"rows": rows, "user": _user(request)})


@login_required
def customer_ownership(request: HttpRequest, customer_id: int) -> HttpResponse:
    user, policy, now = _user(request), active_policy(), timezone.now()
    try:
        customer = access_customer(user, customer_id)
    except CustomerNotFound:
        raise Http404 from None
    if request.method == "POST":
        reason = request.POST.get("reason", "")[:200]
        action = request.POST.get("action", "")
        to_user = (_ids([request.POST.get("to_user", "")]) or [0])[0]
        actions: dict[str, tuple[Callable[[], object], str]] = {
            "release": (
                lambda: services.customer_release(
                    by=user, customer_id=customer_id, reason=reason, policy=policy, now=now
                ),
                _("已退回公海"),
            ),
            "lock": (
                lambda: locks.customer_lock(
                    by=user, customer_id=customer_id, reason=reason, policy=policy, now=now
                ),
                _("已锁定"),
            ),
            "unlock": (
                lambda: locks.customer_unlock(
                    by=user, customer_id=customer_id, policy=policy, now=now
                ),
                _("已解除锁定"),
            ),
            "transfer": (
                lambda: services.customers_assign(
                    by=user,
                    customer_ids=[customer_id],
                    to_user_id=to_user,
                    reason=reason,
                    policy=policy,
                    now=now,
                ),
                _("已转移"),
            ),
        }
        if action in actions and _attempt(request, *actions[action]) and action == "release":
            return redirect("ownership-mine")  # the customer may now be outside the scope
        return redirect("ownership-customer", customer_id)
    context = {
        "customer": customer,
        "history": list(selectors.history_of(user, customer_id)[:100]),
        "days_owned": (now - customer.owned_since).days if customer.owned_since else None,
        "lock": selectors.is_locked(customer_id),
        "keeping": selectors.keeping_of(customer, policy=policy, now=now),
        "is_owner": customer.owner_id == user.pk,
        "may_lock": user.has_perm(services.LOCK) or user.has_perm(ASSIGN),
        "may_assign": user.has_perm(ASSIGN),
        "assignees": _assignees(user) if user.has_perm(ASSIGN) else [],
    }
    return render(request, "ownership/customer.html", context)


@login_required
def reassign_page(request: HttpRequest) -> HttpResponse:
    """OWN-3: customers not served for the policy's days, to give to someone else; and the
    hand-over of everything a leaver owns (离职交接)."""
    user, policy, now = _user(request), active_policy(), timezone.now()
    if not user.has_perm(ASSIGN):
        return render(request, "ownership/reassign.html", {"refused": True}, status=403)
    if request.method == "POST":
        people = _ids([request.POST.get("from_user", ""), request.POST.get("to_user", "")])
        if len(people) != 2:
            messages.error(request, _("请选择交接人和接收人"))
        else:
            moved: list[int] = []
            ok = _attempt(
                request,
                lambda: moved.append(
                    services.customers_hand_over(
                        by=user,
                        from_user_id=people[0],
                        to_user_id=people[1],
                        reason=request.POST.get("reason", "")[:200],
                        policy=policy,
                        now=now,
                    )
                ),
                _("交接完成"),
            )
            if ok:
                messages.info(request, _("已交接 %(count)s 个客户") % {"count": moved[0]})
        return redirect("ownership-reassign")
    rows = list(selectors.reassignable(user, policy=policy, now=now)[:PAGE])
    context = {
        "rows": rows,
        "rules": policy.ownership,
        "assignees": _assignees(user),
        "people": list(
            users_in_scope(user, inactive=True).order_by("department__path", "username")[:500]
        ),
    }
    return render(request, "ownership/reassign.html", context)


@login_required
def reception_page(request: HttpRequest) -> HttpResponse:
    """OWN-5: the front desk's board (a tablet or a phone): today's order with each
    person's state, the walk-in form, today's register; the roster for managers."""
    user, now = _user(request), timezone.now()
    today = timezone.localdate(now)
    departments = reception.desks_of(user)
    if not departments:
        return render(request, "ownership/reception.html", {"refused": True}, status=403)
    chosen = _ids([request.GET.get("department", "")])
    department = next((d for d in departments if chosen and d.pk == chosen[0]), departments[0])
    if request.method == "POST":
        form = request.POST
        if form.get("action") == "status":
            duty = (_ids([form.get("duty", "")]) or [0])[0]
            _attempt(
                request,
                lambda: reception.duty_status_set(by=user, duty_id=duty, status=form["status"]),
                _("状态已更新"),
            )
        elif form.get("action") == "roster":
            order = sorted(
                (int(form[f"pos_{pk}"]), pk)
                for pk in _ids(form.getlist("person"))
                if form.get(f"pos_{pk}", "").isdigit()
            )
            _attempt(
                request,
                lambda: reception.duty_set(
                    by=user,
                    department_id=department.pk,
                    day=today,
                    user_ids=[pk for _pos, pk in order],
                ),
                _("今日值班已安排"),
            )
        else:
            received: list[reception.Received] = []
            _attempt(
                request,
                lambda: received.append(
                    reception.walkin_register(
                        by=user,
                        department_id=department.pk,
                        visitor=form.get("visitor", ""),
                        phone=form.get("phone", ""),
                        asked_for_id=next(iter(_ids([form.get("asked_for", "")])), None),
                        now=now,
                    )
                ),
                _("来访已登记"),
            )
            if received:
                messages.info(
                    request,
                    _("请 %(name)s 接待(%(reason)s)")
                    % {"name": received[0].walkin.received_by, "reason": received[0].reason},
                )
        return redirect(f"{request.path}?department={department.pk}")
    duties = list(reception.duties_of(department.pk, today))
    context = {
        "departments": departments,
        "department": department,
        "duties": duties,
        "walkins": list(reception.walkins_of(department.pk, today)[:50]),
        "people": reception.eligible(department.pk),
        "positions": {d.user_id: d.position for d in duties},
        "statuses": DutyStatus.choices,
    }
    return render(request, "ownership/reception.html", context)


@login_required
@require_POST
def distribute(request: HttpRequest) -> HttpResponse:
    """公海轮流分配: N of the pool's customers to its members in turn."""
    user = _user(request)
    pool = request.POST.get("pool", "")[:30]
    count = (_ids([request.POST.get("count", "")]) or [0])[0]
    try:
        shares = distribution.pool_distribute(
            by=user,
            pool_code=pool,
            count=count,
            reason=request.POST.get("reason", "")[:200],
            policy=active_policy(),
            now=timezone.now(),
        )
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已轮流分配 %(count)s 个客户") % {"count": sum(shares.values())}
        )
    return redirect(f"{reverse('ownership-pool')}?pool={pool}")
