"""客户开发与维护 (ENG): follow-ups planned and done (ENG-6), the visit report a done visit
owes (ENG-4), and a follow-up's photos and files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpKind(models.TextChoices):
    CALL = "call", _("电话")
    VISIT = "visit", _("拜访")
    WECHAT = "wechat", _("微信")
    MEETING = "meeting", _("会议")
    EMAIL = "email", _("邮件")
    OTHER = "other", _("其他")


class FollowUpState(models.TextChoices):
    PLANNED = "planned", _("计划中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class FollowUp(models.Model):
    """跟进记录 — one call, visit, WeChat, meeting or e-mail with a customer (ENG-6):
    planned first (a visit to make on a day), or recorded when done, with what came of it
    and the next step. ``occurred_at`` is the moment on the timeline: the planned time
    while planned, the actual time once done."""

    scope_owner_field = "customer__owner"
    scope_department_field = "customer__department"

    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("方式"), max_length=20, choices=FollowUpKind.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=FollowUpState.choices, default=FollowUpState.DONE
    )
    channel = models.CharField(_("渠道"), max_length=50, blank=True)
    content = models.TextField(_("内容"), blank=True)
    outcome = models.TextField(_("结果"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_at = models.DateTimeField(_("下次跟进时间"), null=True, blank=True)
    planned_at = models.DateTimeField(_("计划时间"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    # 外勤签到: where the phone was when the visit was checked in (the browser's
    # geolocation; no map service), if the policy asks for it.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("定位精度(米)"), null=True, blank=True)
    located_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_timeline"),
            models.Index(fields=["by", "state", "occurred_at"], name="follow_up_by_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=FollowUpKind.values), name="follow_up_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=FollowUpState.values),
                name="follow_up_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def located(self) -> bool:
        return self.latitude is not None


class VisitReport(models.Model):
    """拜访报告 (ENG-4, s003-4) — what a done visit found, due within the policy's days;
    the follow-ups it promises become to-dos of the reporter; 呈主管审核: the supervisor
    reviews it where the policy has ``[approvals.visit_report]``."""

    class Review(models.TextChoices):
        NONE = "", _("无需审核")
        SUBMITTED = "submitted", _("待主管审核")
        REVIEWED = "reviewed", _("主管已审核")
        RETURNED = "returned", _("退回补充")

    visit = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(_("拜访情况"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    review = models.CharField(
        _("主管审核"), max_length=20, choices=Review.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("拜访报告")
        verbose_name_plural = _("拜访报告")

    def __str__(self) -> str:
        return f"{self.visit}"

    @property
    def customer_id(self) -> int:
        """The visit's customer: an approval of the report is about it (360° timeline)."""
        return self.visit.customer_id


class Attachment(models.Model):
    """A photo or file of a follow-up, kept through Django's storage API (local files by
    default, any storage backend in production)."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="follow-ups/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(max_length=100)
    is_image = models.BooleanField(default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class VisitPlan(models.Model):
    """拜访计划书 (ENG-3, s003-4: 销售人员每月底提出次月拜访计划书,呈部门主管审核) — one
    salesperson's plan for one month, approved through the workflow core."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        RETURNED = "returned", _("退回修改")

    scope_owner_field = "owner"
    scope_department_field = "owner__department"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("业务员"),
        on_delete=models.PROTECT,
        related_name="visit_plans",
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    note = models.TextField(_("说明"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("拜访计划")
        verbose_name_plural = _("拜访计划")
        constraints = [
            models.UniqueConstraint(fields=["owner", "month"], name="visit_plan_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["draft", "submitted", "approved", "rejected", "returned"]
                ),
                name="visit_plan_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.month:%Y-%m}"


class VisitPlanLine(models.Model):
    """One customer in a visit plan: when, why, what to achieve and bring, what it costs."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="lines")
    customer = models.ForeignKey("archive.Customer", on_delete=models.CASCADE, related_name="+")
    planned_on = models.DateField(_("计划日期"))
    purpose = models.CharField(_("拜访目的"), max_length=200)
    target = models.CharField(_("目标"), max_length=200, blank=True)
    items = models.CharField(_("携带物品"), max_length=200, blank=True)
    expense = models.DecimalField(_("预计费用(元)"), max_digits=10, decimal_places=2, default=0)
    follow_up = models.OneToOneField(
        FollowUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_line"
    )

    class Meta:
        verbose_name = _("拜访计划明细")
        verbose_name_plural = _("拜访计划明细")
        ordering = ["planned_on", "id"]

    def __str__(self) -> str:
        return f"{self.planned_on} {self.customer_id}"


class DailyReport(models.Model):
    """日报 (ENG-11, s000 销售部 3: 早会): yesterday's visits and deals come from the data;
    today's plan is what the salesperson types."""

    scope_owner_field = "owner"
    scope_department_field = "owner__department"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("业务员"),
        on_delete=models.PROTECT,
        related_name="daily_reports",
    )
    day = models.DateField(_("日期"))
    plan = models.TextField(_("今日计划"))
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日报")
        verbose_name_plural = _("日报")
        constraints = [
            models.UniqueConstraint(fields=["owner", "day"], name="daily_report_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.day}"


class CustomerReport(models.Model):
    """书面汇报 (ENG-9, s004 汇报的种类): a periodic report on the customers of one treatment
    cell, routed salesperson → supervisor → manager → vice president → general manager;
    or an emergency report on one customer (拒付货款), sent to every level at once."""

    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("定期汇报")
        EMERGENCY = "emergency", _("紧急汇报")

    scope_owner_field = "by"
    scope_department_field = "by__department"

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("汇报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer = models.ForeignKey(
        "archive.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("事由"), max_length=200)
    body = models.TextField(_("汇报内容"))
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("客户汇报")
        verbose_name_plural = _("客户汇报")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["periodic", "emergency"]), name="report_kind_known"
            )
        ]

    def __str__(self) -> str:
        return self.subject
