"""Pages of the service desk: the queue, the intake form an agent fills during a call
(the caller's customer found by phone tail, name or pinyin), a complaint's page with its
clock, history and next actions, and the public complaint page (no sign-in)."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.archive.selectors import filtered_customers, mask_phone
from zhike.dates import form_moment
from zhike.errors import RuleError
from zhike.org.models import Department, User
from zhike.org.scopes import users_in_scope
from zhike.policy.loader import active_policy

from . import major, product, public, selectors, services
from .errors import ComplaintNotFound, ServiceError
from .models import (
    Channel,
    Complaint,
    ComplaintAttachment,
    Demand,
    ProductDecision,
    ProductOutcome,
    TargetKind,
)
from .selectors import ADD, HANDLE, MANAGE
from .transitions import actions_from

PAGE = 50
TRIGGER_LABELS = {
    "repeat": _("重复投诉"),
    "manufacturer": _("向厂方投诉"),
    "regulator": _("向监管部门投诉"),
    "disturbance": _("堵门、闹事"),
    "return_exchange": _("要求退换"),
    "media": _("媒体负面报道"),
    "judged": _("影响大或性质恶劣"),
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def _errors(exc: RuleError) -> dict[str, str]:
    return {field or "form": message for field, message in (exc.errors or [("form", exc.message)])}


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    view = request.GET.get("view", "mine" if user.has_perm(HANDLE) else "all")
    team = request.GET.get("team", "")
    policy = active_policy()
    if team not in policy.service.teams:
        team = ""
    closed = request.GET.get("closed") == "1"
    items = selectors.queue(user, team=team, mine=view == "mine", include_closed=closed)
    number = request.GET.get("number", "").strip()[:24]
    if number:
        items = items.filter(number=number.upper())
    customer_id = _int(request.GET.get("customer"))
    if customer_id:  # from the 360° page: that customer's complaints
        items = items.filter(customer_id=customer_id)
    rows = [(c, selectors.phone_for(user, c)) for c in items[:PAGE]]
    context = {
        "rows": rows,
        "view": view,
        "team": team,
        "teams": policy.service.teams,
        "closed": closed,
        "number": number,
        "now": timezone.now(),
        "may_add": user.has_perm(ADD),
        "categories": {c.code: c.name for c in policy.service.categories},
    }
    return render(request, "servicedesk/queue.html", context)


def _form_values(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    try:
        received = form_moment(post.get("received_at", ""))
    except ValueError:
        raise ServiceError(_("时间格式不正确"), field="received_at") from None
    return {
        "channel": post.get("channel", ""),
        "complainant": post.get("complainant", ""),
        "phone": post.get("phone", ""),
        "email": post.get("email", ""),
        "content": post.get("content", ""),
        "demand": post.get("demand", ""),
        "reference": post.get("reference", ""),
        "category": post.get("category", ""),
        "customer_id": _int(post.get("customer_id")),
        "triggers": [t for t in post.getlist("triggers") if t in TRIGGER_LABELS],
        "received_at": received,
    }


@login_required
def new_page(request: HttpRequest) -> HttpResponse:
    user, policy = _user(request), active_policy()
    if not user.has_perm(ADD):
        raise Http404
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"channel": "hotline", "demand": "criticism"}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("channel", "demand", "complainant")}
        try:
            form = _form_values(request)
            complaint = services.complaint_register(
                by=user, policy=policy, now=timezone.now(), **form
            )
        except RuleError as exc:
            errors = _errors(exc)
        else:
            return redirect("service-complaint", complaint.pk)
    context = {
        "form": form,
        "errors": errors,
        "channels": Channel.choices,
        "demands": Demand.choices,
        "categories": policy.service.categories,
        "triggers": [(k, v) for k, v in TRIGGER_LABELS.items() if k != "repeat"],
    }
    return render(request, "servicedesk/new.html", context, status=400 if errors else 200)


@login_required
def customer_matches(request: HttpRequest) -> HttpResponse:
    """The intake form's customer finder: the archive's own search in the agent's scope
    (phone tail, name, pinyin, initials), phones masked as everywhere."""
    user = _user(request)
    q = request.GET.get("q", "").strip()[:50]
    found = list(filtered_customers(user, q=q).order_by("-id")[:8]) if len(q) >= 2 else []
    rows = [(c, mask_phone(c.phone)) for c in found]
    return render(request, "servicedesk/_customer_matches.html", {"rows": rows, "q": q})


def _complaint_actions(
    user: User, c: Complaint, post: Any, policy: Any
) -> dict[str, tuple[Callable[[], object], str]]:
    now = timezone.now()
    common: dict[str, Any] = {"by": user, "complaint_id": c.pk, "now": now}

    def text(name: str) -> str:
        return str(post.get(name, ""))

    return {
        "accept": (
            lambda: services.complaint_accept(
                **common,
                policy=policy,
                category=text("category"),
                triggers=[t for t in post.getlist("triggers") if t in TRIGGER_LABELS],
                accused_id=_int(text("accused_id")),
                note=text("note"),
            ),
            _("已受理"),
        ),
        "dismiss": (
            lambda: services.complaint_dismiss(**common, policy=policy, reply=text("reply")),
            _("已答复并结案"),
        ),
        "assign": (
            lambda: services.complaint_assign(
                **common, policy=policy, handler_id=_int(text("handler_id")) or 0, note=text("note")
            ),
            _("已分派"),
        ),
        "investigate": (
            lambda: services.complaint_investigate(
                **common,
                policy=policy,
                cause=text("cause"),
                responsible_department_id=_int(text("responsible_department_id")),
                responsible_person_id=_int(text("responsible_person_id")),
            ),
            _("已记录原因"),
        ),
        "propose": (
            lambda: services.complaint_propose(
                **common,
                policy=policy,
                solution=text("solution"),
                compensation=_decimal(text("compensation")),
            ),
            _("解决方案已提交审批"),
        ),
        "notify": (lambda: services.complaint_notify(**common, note=text("note")), _("已记录")),
        "survey": (
            lambda: services.complaint_survey(
                **common, satisfaction=_int(text("satisfaction")) or 0, note=text("note")
            ),
            _("已记录满意度"),
        ),
        "close": (
            lambda: services.complaint_close(
                **common,
                policy=policy,
                summary=text("summary"),
                corrective=text("corrective"),
                preventive=text("preventive"),
            ),
            _("已结案"),
        ),
        "reopen": (
            lambda: services.complaint_reopen(**common, policy=policy, reason=text("reason")),
            _("已重新处理"),
        ),
        "pause": (
            lambda: services.complaint_pause(**common, policy=policy, reason=text("reason")),
            _("已暂停计时"),
        ),
        "resume": (lambda: services.complaint_resume(**common, policy=policy), _("已恢复计时")),
        "major": (
            lambda: major.complaint_mark_major(
                **common,
                policy=policy,
                triggers=[t for t in post.getlist("triggers") if t in TRIGGER_LABELS],
            ),
            _("已定为重大投诉"),
        ),
        "product": (
            lambda: product.product_decide(
                **common,
                policy=policy,
                outcome=text("outcome"),
                opinion=text("opinion"),
                amount=_decimal(text("amount")),
            ),
            _("已出具处理单"),
        ),
        "crisis": (
            lambda: major.complaint_crisis_meeting(**common, minutes=text("text")),
            _("已记录会议纪要"),
        ),
        "warning_report": (
            lambda: major.complaint_warning_report(**common, policy=policy, report=text("text")),
            _("已提交预警报告"),
        ),
    }


def _decimal(value: str) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RuleError(_("金额格式不正确"), field="compensation") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise RuleError(_("金额格式不正确"), field="compensation")
    return amount


@login_required
def complaint_page(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user, policy = _user(request), active_policy()
    try:
        complaint = selectors.complaint_for(user, complaint_id)
    except ComplaintNotFound:
        raise Http404 from None
    errors: dict[str, str] = {}
    if request.method == "POST":
        actions = _complaint_actions(user, complaint, request.POST, policy)
        action = request.POST.get("action", "")
        if action not in actions:
            errors = {"action": _("无效的操作")}
        else:
            run, done = actions[action]
            try:
                run()
            except RuleError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, done)
                return redirect("service-complaint", complaint_id)
    return render(
        request,
        "servicedesk/complaint.html",
        _detail_context(user, complaint, policy, errors),
        status=400 if errors else 200,
    )


def _detail_context(
    user: User, c: Complaint, policy: Any, errors: dict[str, str]
) -> dict[str, Any]:
    managing = user.has_perm(MANAGE)
    working = (c.handler_id == user.pk or managing) and c.accused_id != user.pk
    actions = [a.value for a in actions_from(c.state)]
    manage_only = {"accept", "dismiss", "assign", "reopen"}
    allowed = [a for a in actions if (managing if a in manage_only else working)]
    handlers = (
        users_in_scope(user)
        .filter(roles__permissions__codename="handle_complaint")
        .exclude(pk=c.accused_id or 0)
        .distinct()
        .order_by("department__path", "username")[:300]
        if "assign" in allowed
        else []
    )
    labels = dict(TargetKind.choices)
    now = timezone.now()
    targets = [
        (t, labels.get(t.kind, t.kind), _left(t.due_at, now) if not t.met_at else "")
        for t in selectors.targets_of(c)
    ]
    return {
        "c": c,
        "phone": selectors.phone_for(user, c),
        "errors": errors,
        "allowed": allowed,
        "working": working and c.state != "closed",
        "managing": managing and c.state != "closed",
        "categories": policy.service.categories,
        "category_name": next(
            (x.name for x in policy.service.categories if x.code == c.category), c.category
        ),
        "team_name": policy.service.teams[c.team].name if c.team in policy.service.teams else "",
        "triggers": [(k, v) for k, v in TRIGGER_LABELS.items() if k != "repeat"],
        "reasons": [TRIGGER_LABELS.get(r, r) for r in c.major_reasons],
        "handlers": handlers,
        "departments": Department.objects.order_by("path")[:300]
        if "assign" in allowed or working
        else [],
        "people": users_in_scope(user).order_by("username")[:300] if managing else [],
        "targets": targets,
        "history": list(selectors.history_of(c)),
        "attachments": list(c.attachments.order_by("id")),
        "is_product": product.is_product(c, policy),
        "decision": ProductDecision.objects.filter(complaint=c).first(),
        "outcomes": ProductOutcome.choices,
        "now": now,
    }


@login_required
def document_page(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """The product complaint's document, to print (IMP-3): 《顾客退货处理报告》 or
    《赔偿告知单》 with the complaint, the opinion and the signature lines."""
    try:
        complaint = selectors.complaint_for(_user(request), complaint_id)
    except ComplaintNotFound:
        raise Http404 from None
    decisions = ProductDecision.objects.select_related("issued_by")
    decision = decisions.filter(complaint=complaint).first()
    if decision is None:
        raise Http404
    context = {"c": complaint, "d": decision, "policy": active_policy().policy}
    return render(request, "servicedesk/document.html", context)


@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A complaint's attachment, to those who may see the complaint; always a download
    (its type is only what the sender said)."""
    attachment = ComplaintAttachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        selectors.complaint_for(_user(request), attachment.complaint_id)
    except ComplaintNotFound:
        raise Http404 from None
    response = FileResponse(
        attachment.file.open("rb"),
        content_type="application/octet-stream",
        as_attachment=True,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _left(due: datetime, now: datetime) -> str:
    hours = (due - now).total_seconds() / 3600
    if hours < 0:
        return _("已超期 %(h)s 小时") % {"h": int(-hours) or 1}
    if hours < 48:
        return _("剩 %(h)s 小时") % {"h": int(hours)}
    return _("剩 %(d)s 天") % {"d": int(hours // 24)}


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def public_page(request: HttpRequest) -> HttpResponse:
    """网上投诉: anyone, without an account (SRV-1). CSRF-protected like every form."""
    policy = active_policy()
    errors: dict[str, str] = {}
    status = 200
    fields = ("complainant", "phone", "email", "content", "demand", "reference")
    form = {k: request.POST.get(k, "") for k in fields}
    if request.method == "POST":
        try:
            complaint = public.public_complaint(
                address=_address(request), policy=policy, now=timezone.now(), **form
            )
        except public.TooMany as exc:
            errors, status = {"form": exc.message}, 429
        except RuleError as exc:
            errors, status = _errors(exc), 400
        else:
            done = {"number": complaint.number, "phone": complaint.phone}
            return render(request, "servicedesk/public_done.html", done)
    context = {
        "form": form,
        "errors": errors,
        "demands": Demand.choices,
        "open": policy.service.public_form,
    }
    return render(request, "servicedesk/public.html", context, status=status)


def public_status_page(request: HttpRequest) -> HttpResponse:
    """凭编号和电话查询: the state and, once closed, the outcome (never the contents)."""
    number = request.GET.get("number", "").strip()[:24]
    phone = request.GET.get("phone", "").strip()[:32]
    found, error, status = None, "", 200
    if number or phone:
        try:
            found = public.public_lookup(address=_address(request), number=number, phone=phone)
        except public.TooMany as exc:
            error, status = exc.message, 429
        else:
            if found is None:
                error, status = _("没有找到:请核对投诉编号和登记时留的电话"), 404
    context = {"found": found, "error": error, "number": number, "phone": phone}
    return render(request, "servicedesk/public_status.html", context, status=status)
