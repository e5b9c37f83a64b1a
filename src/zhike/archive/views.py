"""Customer pages. Reads go through selectors (scoped), writes through services."""

import re
import tempfile
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhike.api.schema import MAX_OFFSET
from zhike.errors import RuleError
from zhike.org.models import User
from zhike.org.scopes import users_in_scope
from zhike.policy.loader import active_policy

from . import export_jobs, merging, privacy, selectors, services
from .errors import ArchiveError, CustomerNotFound
from .forms import CustomerForm
from .models import (
    CompanySize,
    Customer,
    CustomerStatus,
    CustomerType,
    Export,
    SourceChannel,
)
from .validators import InvalidIdentifier, clean_phone

PAGE_SIZE = 50


def _page_number(request: HttpRequest) -> int:
    try:  # a page beyond any list (or a bookmark's garbage) is the last page there is
        return min(max(1, int(request.GET.get("page", "1"))), MAX_OFFSET // PAGE_SIZE)
    except ValueError:
        return 1


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in CustomerStatus.values else ""
    stale = (active_policy(), timezone.now()) if request.GET.get("stale") == "1" else None
    number = _page_number(request)
    fields = selectors.list_fields(request.GET)
    page = selectors.customer_page(
        user,
        q=q,
        status=status,
        stale=stale,
        fields=fields,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    rows = [
        (
            c,
            selectors.display_phone(c.phone, full=selectors.can_see_full_phone(user, c.owner_id)),
        )
        for c in page.items
    ]
    pages = max(1, -(-page.count // PAGE_SIZE))
    filters = {"q": q, "status": status, "stale": "1" if stale else "", **fields}
    # The filters as a query string, for the pager, the export and saved views.
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "rows": rows,
        "count": page.count,
        "count_capped": page.count_capped,
        "number": number,
        "pages": pages,
        "has_previous": number > 1,
        "has_next": number < pages or page.count_capped,
        "q": q,
        "status": status,
        "stale": request.GET.get("stale") == "1",
        "fields": fields,
        "filtered": bool(q or status or fields or stale),
        "query": query,
    }
    # htmx asks for the results block (and the links that carry the filters) when the
    # search box, a filter or a pager link changes; the filter row's choices and the
    # saved views are for the whole page only.
    template = "archive/customer_list.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        # The address bar gets the filters that are set, not every empty field of the form.
        shown = "&".join(filter(None, [query, f"page={number}" if number > 1 else ""]))
        response = render(request, template + "#swap", context)
        response["HX-Push-Url"] = f"{request.path}?{shown}" if shown else request.path
        return response
    context |= {
        "statuses": CustomerStatus.choices,
        "choices": {
            "customer_type": CustomerType.choices,
            "source": SourceChannel.choices,
            "size": CompanySize.choices,
        },
        "owners": _owner_choices(user),
        "can_add": user.has_perm("archive.add_customer"),
        "saved_views": list(user.saved_views.all()),
    }
    return render(request, template, context)


def _owner_choices(user: User) -> list[tuple[int, str]]:
    """负责人 filter: the users whose customers ``user`` may see (none when only its own)."""
    owners = [
        (u.pk, u.display_name or u.username)
        for u in users_in_scope(user).order_by("username")[:300]
    ]
    return owners if len(owners) > 1 else []


def _access(user: User, customer_id: int) -> Customer:
    try:
        return selectors.access_customer(user, customer_id)
    except CustomerNotFound:
        raise Http404(_("客户不存在或无权查看")) from None


TABS = ("basic", "contacts", "timeline", "history")


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The 360° page: profile groups, contacts, follow-up timeline, change history."""
    user: User = request.user  # type: ignore[assignment]
    customer = _access(user, customer_id)
    tab = request.GET.get("tab", "basic")
    tab = tab if tab in TABS else "basic"
    full_phone = selectors.can_see_full_phone(user, customer.owner_id)
    error = ""
    if request.method == "POST" and request.POST.get("reveal"):
        try:  # SEC-5: the full numbers, for this page only, audited
            privacy.phone_reveal(by=user, customer_id=customer.pk)
            full_phone = True
        except RuleError as exc:
            error = exc.message
    elif request.method == "POST":
        error = _post_to_tab(request, user, customer.pk, tab)
        if not error:
            customer = _access(user, customer_id)
    context = {
        "customer": customer,
        "tab": tab,
        "error": error,
        "phone": selectors.display_phone(customer.phone, full=full_phone),
        "can_change": user.has_perm("archive.change_customer"),
        "may_reveal": not full_phone and selectors.may_reveal_phone(user),
        "completeness": services.completeness(customer, active_policy()),
        "profile_template": active_policy().archive.contact_profile,
    }
    if tab == "basic":
        context["tags"] = selectors.tag_names(customer.pk)
    elif tab == "contacts":
        context["contacts"] = [
            (c, selectors.display_phone(c.phone, full=full_phone)) for c in customer.contacts.all()
        ]
    elif tab == "history":
        context["events"] = selectors.customer_history(customer, user=user)
    template = "archive/customer_detail.html"
    if request.headers.get("HX-Request"):
        template += "#tab"
    return render(request, template, context)


def _post_to_tab(request: HttpRequest, user: User, customer_id: int, tab: str) -> str:
    """Set tags or add a contact from the 360° page; returns the error to show. Follow-ups
    are engagement's (its timeline view fills the 跟进 tab)."""
    data: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    try:
        if tab == "basic":
            # 标签: separated by commas (either width), 、 or spaces, as people type them.
            names = re.split(r"[,，、\s]+", data.get("tags", ""))
            services.customer_set_tags(by=user, customer_id=customer_id, names=names)
        elif tab == "contacts":
            data["is_key_person"] = data.get("is_key_person") == "on"
            services.contact_add(
                by=user, customer_id=customer_id, data=data, policy=active_policy()
            )
    except RuleError as exc:
        return exc.message
    return ""


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm("archive.add_customer"):
        raise Http404
    form = CustomerForm(request.POST or None)
    duplicates: list[selectors.DuplicateHint] = []
    if request.method == "POST" and form.is_valid():
        try:
            if not request.POST.get("confirm_duplicates"):  # the user has seen the list
                duplicates = _duplicates_for_form(user, form.cleaned_data)
            if duplicates:
                return render(
                    request,
                    "archive/customer_form.html",
                    {"form": form, "customer": None, "duplicates": duplicates},
                )
            customer = services.customer_create(
                by=user, data=form.cleaned_data, policy=active_policy()
            )
        except RuleError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("已新建客户 %(name)s") % {"name": customer.name})
            return redirect("customer-detail", customer_id=customer.pk)
    return render(request, "archive/customer_form.html", {"form": form, "customer": None})


def _show_errors(form: CustomerForm, exc: RuleError) -> None:
    """Every field's error from the service on the form at once (ARC-3)."""
    for field, message in exc.errors or [("", exc.message)]:
        form.add_error(field if field in form.fields else None, message)


def _duplicates_for_form(user: User, data: dict[str, Any]) -> list[selectors.DuplicateHint]:
    """ARC-7: warn before creating what may be a duplicate (the user may go on)."""
    try:
        phone = clean_phone(data.get("phone") or "")
    except InvalidIdentifier:
        phone = ""  # the service reports the bad phone itself
    return privacy.duplicate_check(
        by=user,
        name=data.get("name", ""),
        phone=phone,
        uscc=(data.get("uscc") or "").upper(),
        policy=active_policy(),
    )


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    customer = _access(user, customer_id)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        changed = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            services.customer_update(
                by=user, customer_id=customer.pk, data=changed, policy=active_policy()
            )
        except RuleError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("customer-detail", customer_id=customer.pk)
    return render(request, "archive/customer_form.html", {"form": form, "customer": customer})


@login_required
def customer_export(request: HttpRequest) -> HttpResponseBase:
    """IMP-2: the list as it is filtered, as xlsx. Small lists download at once, large ones
    run as a job and the user is told in the inbox."""
    user: User = request.user  # type: ignore[assignment]
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in CustomerStatus.values else ""
    fields = selectors.list_fields(request.GET)
    count = selectors.customer_count(user, q=q, status=status, fields=fields)
    if count > settings.ZHIKE_EXPORT_SYNC_LIMIT:
        export_jobs.customer_export_request(by=user, q=q, status=status, fields=fields)
        messages.success(request, _("导出的客户较多,已转为后台任务,完成后会在工作台通知您。"))
        return redirect("customer-list")
    target = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    export_jobs.customer_export_now(by=user, q=q, status=status, fields=fields, target=target)
    target.seek(0)
    filename = f"客户_{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(target, as_attachment=True, filename=filename)


@login_required
def export_download(request: HttpRequest, export_id: str) -> HttpResponseBase:
    """A finished export job's file, for the user who asked for it only."""
    user: User = request.user  # type: ignore[assignment]
    export = Export.objects.filter(pk=export_id, user=user, state=Export.State.DONE).first()
    if export is None:
        raise Http404
    path = export_jobs.export_path(export.pk)
    filename = f"客户_{timezone.localtime(export.created_at):%Y%m%d_%H%M}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


@login_required
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """合并重复客户 (ARC-7): pick the duplicate (a suggestion or a code), compare the two,
    confirm; the duplicate's contacts, follow-ups, ledger and history move to this one."""
    user: User = request.user  # type: ignore[assignment]
    keep = _access(user, customer_id)
    error = ""
    duplicate = None
    code = request.GET.get("code", "").strip()
    pick = request.GET.get("merge", "")
    try:
        if pick.isdigit():
            duplicate = _access(user, int(pick))
        elif code:
            found = selectors.customers_for(user).filter(code=code).first()
            if found is None:
                raise CustomerNotFound()
            duplicate = _access(user, found.pk)
        if duplicate is not None and duplicate.pk == keep.pk:
            raise ArchiveError(_("不能把客户合并到它自己"))
    except (Http404, RuleError) as exc:
        error, duplicate = getattr(exc, "message", _("客户不存在或无权查看")), None
    if request.method == "POST" and duplicate is not None:
        try:
            merging.customer_merge(by=user, keep_id=keep.pk, merge_id=duplicate.pk)
        except RuleError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("已合并:%(name)s 的资料已并入本客户") % {"name": duplicate.name}
            )
            return redirect("customer-detail", customer_id=keep.pk)
    hints = selectors.possible_duplicates(
        user, name=keep.name, phone=keep.phone, uscc=keep.uscc, exclude=keep.pk
    )
    return render(
        request,
        "archive/customer_merge.html",
        {
            "keep": keep,
            "duplicate": duplicate,
            "hints": [h for h in hints if h.customer_id is not None],
            "error": error,
            "can_merge": user.has_perm("archive.change_customer"),
            "pair": [
                (c, c.contacts.count(), c.follow_ups.count())
                for c in ([keep, duplicate] if duplicate else [])
            ],
        },
    )


@login_required
def saved_views(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters under a name, or forget a saved view."""
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        return redirect("customer-list")
    if request.POST.get("delete"):
        view_id = request.POST["delete"]
        if view_id.isdigit() and len(view_id) <= 18:  # anything else names no view
            services.saved_view_delete(by=user, view_id=int(view_id))
        return redirect("customer-list")
    params = {k: request.POST.get(k, "") for k in services.SAVED_VIEW_KEYS}
    try:
        view = services.saved_view_save(by=user, name=request.POST.get("name", ""), params=params)
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("customer-list")
    messages.success(request, _("已保存常用筛选:%(name)s") % {"name": view.name})
    return redirect(f"{reverse('customer-list')}?{view.query}")
