"""The seed roles (ORG-1) as permission sets with a default data scope (ORG-2).

Installed by :func:`zhike.org.services.ensure_roles` after every migrate; an admin may
change a role's permissions or scope afterwards, and that choice is kept.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import DataScope

VIEW = "archive.view_customer"
ADD = "archive.add_customer"
CHANGE = "archive.change_customer"
PHONE = "archive.view_customer_phone"
FOLLOW_UP = "engagement.add_followup"  # record or plan a call, visit, WeChat… (ENG-6)
PROPOSE_BLACKLIST = "grading.add_blacklistentry"  # GRD-8
REPORT_PROBLEM = "grading.add_problem"  # GRD-7
SWEEP = "archive.run_data_quality_sweep"
CALENDAR = "workflow.view_calendaroverride"
ORDER = "trade.add_order"
MONEY = ("trade.add_invoice", "trade.add_payment")
REVIEW = "grading.run_review"
CLAIM = "ownership.claim_customer"  # OWN-4: take a customer from the pool
LOCK = "ownership.lock_customer"
ASSIGN = "ownership.assign_customer"  # assign, transfer, take back (OWN-3, OWN-8)
# The complaint register (SRV-1, SRV-4): see, register, accept/assign, handle.
SEE_COMPLAINTS = "servicedesk.view_complaint"
REGISTER_COMPLAINT = "servicedesk.add_complaint"
MANAGE_COMPLAINTS = "servicedesk.manage_complaint"
HANDLE_COMPLAINT = "servicedesk.handle_complaint"
# Those who take complaints and handle them (s003-6: 客户关系顾问, 销售/服务经理; s004:
# 业务部, 办事处主任亲自处理).
COMPLAINT_WORK = (SEE_COMPLAINTS, REGISTER_COMPLAINT, HANDLE_COMPLAINT)
# CRD-3: who may make out a shipment the credit check guards.
SHIP = "credit.add_shipment"
# CRD-5: who opens and adjusts the semi-annual credit review (s004: 业务部 organises it).
CREDIT_REVIEW = "credit.run_credit_review"
# Who sets the salespeople's monthly targets (the dashboards' 目标): their leaders.
TARGETS = "analytics.change_salestarget"
# What the roles that work a customer's record may do beside changing it.
WORK = (FOLLOW_UP, PROPOSE_BLACKLIST, REPORT_PROBLEM)
# The rights of those who lead a sales team or an office (营销主管, 办事处主任).
SUPERVISION = (
    *(VIEW, ADD, CHANGE, *WORK, PHONE, ORDER, CLAIM, LOCK, ASSIGN),
    *(*COMPLAINT_WORK, SHIP, TARGETS),
)
# The vice president's and the general manager's rights.
LEADERSHIP = (
    *(VIEW, CHANGE, *WORK, PHONE, CALENDAR, REVIEW, ASSIGN),
    *(SEE_COMPLAINTS, MANAGE_COMPLAINTS, TARGETS, CREDIT_REVIEW),
)


@dataclass(frozen=True)
class RoleDefinition:
    code: str
    name: Promise
    scope: DataScope
    permissions: tuple[str, ...]


ROLES: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        "salesperson",
        _("业务员"),
        DataScope.OWN,
        (VIEW, ADD, CHANGE, *WORK, ORDER, CLAIM, LOCK, REGISTER_COMPLAINT, SHIP),
    ),
    RoleDefinition(
        "supervisor",
        _("营销主管"),
        DataScope.DEPARTMENT,
        SUPERVISION,
    ),
    RoleDefinition(
        "sales_manager",
        _("业务部经理"),
        DataScope.DEPARTMENT_TREE,
        (
            VIEW,
            ADD,
            CHANGE,
            *WORK,
            PHONE,
            ORDER,
            REVIEW,
            CLAIM,
            LOCK,
            ASSIGN,
            *COMPLAINT_WORK,
            SHIP,
            TARGETS,
            CREDIT_REVIEW,
        ),
    ),
    RoleDefinition(
        "vice_president",
        _("主管副总经理"),
        DataScope.ALL,
        LEADERSHIP,
    ),
    RoleDefinition(
        "general_manager",
        _("总经理"),
        DataScope.ALL,
        LEADERSHIP,
    ),
    RoleDefinition(
        "service_agent",
        _("客服专员"),
        DataScope.ALL,
        (VIEW, REPORT_PROBLEM, *COMPLAINT_WORK),
    ),
    RoleDefinition(
        "crm_manager",
        _("客户关系经理"),
        DataScope.ALL,
        (
            VIEW,
            ADD,
            CHANGE,
            *WORK,
            PHONE,
            SWEEP,
            CALENDAR,
            REVIEW,
            ASSIGN,
            *COMPLAINT_WORK,
            MANAGE_COMPLAINTS,
        ),
        # 客户关系经理 判定投诉性质、确定受理部门 (s003-6).
    ),
    RoleDefinition("finance", _("财务"), DataScope.ALL, (VIEW, *MONEY, REPORT_PROBLEM, SHIP)),
    # The technical department verifies product complaints it is assigned (SRV-6).
    RoleDefinition("technical", _("技术部"), DataScope.OWN, (VIEW, HANDLE_COMPLAINT)),
    RoleDefinition("production", _("生产部"), DataScope.OWN, (VIEW,)),
    RoleDefinition(
        "archivist",
        _("档案管理员"),
        DataScope.ALL,
        (VIEW, ADD, CHANGE, *WORK, PHONE, SWEEP, CALENDAR),
    ),
    RoleDefinition(
        "office_director",
        _("办事处主任"),
        DataScope.DEPARTMENT_TREE,
        SUPERVISION,
    ),
)
