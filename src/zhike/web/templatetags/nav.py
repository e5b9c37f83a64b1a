"""The main navigation, drawn in Python (``{% main_nav %}``): every page shows it, and as
template tags its fourteen links, permission checks and translations cost more than the
rest of a short page's template. What each link needs is a row of ``NAV``."""

from dataclasses import dataclass
from functools import cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

register = template.Library()


@dataclass(frozen=True)
class Link:
    label: str  # translated when drawn
    url_name: str
    current: tuple[str, ...]  # url-name prefixes of the pages it is current on
    perms: tuple[str, ...] = ()  # any of them shows the link; () : everyone
    exact: bool = False  # current only on exactly these url names
    badge: str = ""  # the context variable of its count
    badge_title: str = ""
    instead_of: str = ""  # shown only when the link of this url name is not


NAV = (
    Link(gettext_noop("工作台"), "workbench", ("workbench",), exact=True,
         badge="inbox_badge", badge_title=gettext_noop("逾期事项与未读通知")),
    Link(gettext_noop("审批"), "approvals", ("approval",),
         badge="approvals_badge", badge_title=gettext_noop("待我审批")),
    Link(gettext_noop("客户"), "customer-list", ("customer",)),
    Link(gettext_noop("统计分析"), "analytics", ("analytics",)),
    Link(gettext_noop("拜访进度"), "visits-behind", ("visits-",)),
    Link(gettext_noop("公海"), "ownership-pool", ("ownership-",),
         perms=("ownership.claim_customer", "ownership.assign_customer")),
    Link(gettext_noop("客户投诉"), "service-queue", ("service-",),
         perms=("servicedesk.view_complaint", "servicedesk.add_complaint",
                "servicedesk.handle_complaint")),
    Link(gettext_noop("应收账龄"), "credit-aging", ("credit-",), perms=("trade.add_invoice",)),
    Link(gettext_noop("信用评审"), "credit-reviews", ("credit-review",),
         perms=("credit.run_credit_review",), instead_of="credit-aging"),
    Link(gettext_noop("分级待遇"), "treatment-matrix", ("treatment-matrix", "blacklist"),
         exact=True),
    Link(gettext_noop("分级评审"), "review-list", ("review",), perms=("grading.run_review",)),
    Link(gettext_noop("管理制度"), "policy", ("policy",)),
    Link(gettext_noop("工作日历"), "calendar", ("calendar",), exact=True,
         perms=("workflow.view_calendaroverride",)),
)  # fmt: skip


@cache
def _url(name: str, prefix: str) -> str:
    return reverse(name)


def _is_current(link: Link, url_name: str) -> bool:
    if link.exact:
        return url_name in link.current
    return any(url_name.startswith(prefix) for prefix in link.current)


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    request = context["request"]
    user = request.user
    match = request.resolver_match
    url_name = (match.url_name or "") if match else ""
    prefix = get_script_prefix()
    shown: set[str] = set()
    links = []
    for link in NAV:
        if link.perms and not any(user.has_perm(p) for p in link.perms):
            continue
        if link.instead_of in shown:
            continue
        shown.add(link.url_name)
        current = SafeString(' aria-current="page"') if _is_current(link, url_name) else ""
        count = context.get(link.badge) if link.badge else None
        badge = (
            format_html(' <span class="badge" title="{}">{}</span>', _(link.badge_title), count)
            if count
            else ""
        )
        links.append((_url(link.url_name, prefix), current, _(link.label), badge))
    if user.is_staff:
        links.append((_url("admin:index", prefix), "", _("系统设置"), ""))
    return format_html_join("\n    ", '<a href="{}"{}>{}{}</a>', links)
