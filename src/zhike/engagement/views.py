"""Pages of follow-ups: a customer's timeline with the record form (the 360° page's 跟进
tab loads it), one follow-up with its actions (done, cancel, visit report, photos), and an
attachment's file."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from zhike.archive.models import Customer
from zhike.archive.selectors import access_customer
from zhike.dates import form_moment
from zhike.errors import CustomerNotFound, RuleError
from zhike.org.models import User
from zhike.policy.loader import active_policy

from . import attachments, report_review, selectors, services
from .errors import NotFound
from .models import Attachment, FollowUp, FollowUpKind, FollowUpState
from .timeline import customer_timeline

PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class FormProblem(Exception):
    def __init__(self, field: str, message: str):
        self.errors = [(field, message)]


def _moment(request: HttpRequest, name: str) -> datetime | None:
    try:
        return form_moment(request.POST.get(name, ""))
    except ValueError:
        raise FormProblem(name, _("时间格式应为 2026-12-01 09:30")) from None


def _location(request: HttpRequest) -> services.Location | None:
    """The check-in the page's script filled in, if the person allowed it."""
    post = request.POST
    if not post.get("latitude"):
        return None
    try:
        at = parse_datetime(post.get("located_at", "")) or timezone.now()
        return services.Location(
            Decimal(post["latitude"]),
            Decimal(post.get("longitude", "")),
            int(post.get("accuracy_m") or 0),
            at if timezone.is_aware(at) else timezone.make_aware(at),
        )
    except (InvalidOperation, ValueError):
        raise FormProblem("location", _("定位坐标无效")) from None


def _errors(exc: RuleError | FormProblem) -> dict[str, str]:
    return {field or "": message for field, message in exc.errors} or {
        "": getattr(exc, "message", "")
    }


def _timeline_context(user: User, customer: Customer, before: datetime | None) -> dict:
    policy = active_policy()
    page = customer_timeline(user, customer, policy=policy, before=before, size=PAGE)
    return {
        "customer_id": customer.pk,
        "entries": page.entries,
        "next_before": page.next_before,
        "paged": before is not None,
        "kinds": FollowUpKind.choices,
        "can_record": user.has_perm(services.RECORD),
        "check_in": policy.engagement.check_in,
        "check_in_kinds": policy.engagement.check_in_kinds,
        "errors": {},
        "form": {},
    }


def _cursor(raw: str) -> datetime | None:
    """The timeline's page cursor (an ISO moment); anything unreadable is the first page."""
    try:
        moment = parse_datetime(raw) if raw else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@login_required
def customer_follow_ups(request: HttpRequest, customer_id: int) -> HttpResponse:
    """GET: the timeline and the form (a fragment for the 360° page's tab, or a page).
    POST: record or plan a follow-up, then the same fragment with the outcome."""
    user = _user(request)
    try:
        customer = access_customer(user, customer_id)
    except CustomerNotFound:
        raise Http404 from None
    before = _cursor(request.GET.get("before", ""))
    context = _timeline_context(user, customer, before) | {
        "customer": customer,
        "open_form": request.GET.get("record") == "1",
    }
    if request.method == "POST":
        planned = request.POST.get("planned") == "1"
        try:
            services.follow_up_record(
                by=user,
                customer_id=customer_id,
                kind=request.POST.get("kind", ""),
                planned=planned,
                content=request.POST.get("content", ""),
                outcome=request.POST.get("outcome", ""),
                next_step=request.POST.get("next_step", ""),
                next_at=_moment(request, "next_at"),
                occurred_at=_moment(request, "occurred_at") if planned else None,
                location=_location(request),
                now=timezone.now(),
                policy=active_policy(),
            )
        except (RuleError, FormProblem) as exc:
            context |= {"errors": _errors(exc), "form": request.POST}
        else:
            context = _timeline_context(user, customer, None) | {
                "customer": customer,
                "saved": _("已保存跟进计划") if planned else _("已记录跟进"),
            }
    template = "engagement/timeline.html"
    if request.headers.get("HX-Request"):
        template += "#timeline"
    return render(request, template, context)


def _detail(request: HttpRequest, follow_up_id: int) -> FollowUp:
    try:
        return selectors.access_follow_up(_user(request), follow_up_id)
    except (NotFound, CustomerNotFound):
        raise Http404 from None


@login_required
def follow_up_detail(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    user = _user(request)
    item = _detail(request, follow_up_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _act(request, user, item, action)
        except (RuleError, FormProblem) as exc:
            errors = _errors(exc)
        else:
            return redirect("follow-up-detail", follow_up_id=item.pk)
    mine = item.by_id == user.pk
    report = getattr(item, "report", None)
    context = {
        "item": item,
        "customer": item.customer,
        "attachments": list(item.attachments.order_by("id")),
        "report": report,
        "may_complete": mine and item.state == FollowUpState.PLANNED,
        "may_report": mine
        and item.kind == "visit"
        and item.state == FollowUpState.DONE
        and report is None,
        "may_attach": mine and item.state != FollowUpState.CANCELLED,
        "may_revise": mine and report is not None and report.review == "returned",
        "review_request": report_review.latest_request(report)
        if report and report.review
        else None,
        "promise_rows": range(3),
        "check_in": active_policy().engagement.check_in,
        "errors": errors,
        "form": request.POST if errors else {},
    }
    return render(request, "engagement/follow_up.html", context)


def _act(request: HttpRequest, user: User, item: FollowUp, action: str) -> None:
    now, policy = timezone.now(), active_policy()
    post = request.POST
    if action == "done":
        services.follow_up_complete(
            by=user,
            follow_up_id=item.pk,
            content=post.get("content", ""),
            outcome=post.get("outcome", ""),
            next_step=post.get("next_step", ""),
            next_at=_moment(request, "next_at"),
            location=_location(request),
            now=now,
            policy=policy,
        )
    elif action == "cancel":
        services.follow_up_cancel(by=user, follow_up_id=item.pk, now=now)
    elif action == "report":
        promises = []
        for i in range(3):
            title = post.get(f"promise_{i}", "").strip()
            if title:
                due = _moment(request, f"promise_{i}_due")
                if due is None:
                    raise FormProblem(f"promise_{i}_due", _("请填写答应事项的到期时间"))
                promises.append(services.Promise(title, due))
        services.visit_report_submit(
            by=user,
            visit_id=item.pk,
            summary=post.get("summary", ""),
            promises=promises,
            now=now,
            policy=policy,
        )
    elif action == "revise":
        report = getattr(item, "report", None)
        if report is None:
            raise FormProblem("summary", _("这次拜访还没有报告"))
        report_review.visit_report_revise(
            by=user, report_id=report.pk, summary=post.get("summary", ""), policy=policy, now=now
        )
    elif action == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            raise FormProblem("file", _("请选择要上传的照片或文件"))
        attachments.attachment_add(
            by=user,
            follow_up_id=item.pk,
            upload=upload,
            policy=policy,
            photo=post.get("photo") == "1",
        )
    else:
        raise FormProblem("", _("无效的操作"))


@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    """An attachment's file, to those who may see its follow-up."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    _detail(request, attachment.follow_up_id)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def visits_behind(request: HttpRequest) -> HttpResponse:
    """ENG-5: who is behind with the required visits; one person's customers owed a visit."""
    from .behind import uncontacted, who_is_behind

    user, now, policy = _user(request), timezone.now(), active_policy()
    rows = who_is_behind(user, policy=policy, now=now)
    chosen = next((r for r in rows if str(r.user_id) == request.GET.get("user", "")), None)
    customers = []
    if chosen is not None:
        customers = list(
            uncontacted(user, policy=policy, now=now)
            .filter(customer__owner_id=chosen.user_id)
            .select_related("customer")
            .order_by("priority", "customer__last_contact_at")[:100]
        )
    context = {"rows": rows, "chosen": chosen, "customers": customers}
    return render(request, "engagement/behind.html", context)
