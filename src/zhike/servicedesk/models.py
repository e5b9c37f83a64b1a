"""The complaint register (SRV-1…SRV-5, SRV-10): one row per complaint from any channel,
its history of actions, its clock log and its service-level targets.

``ComplaintEvent`` and ``ClockEvent`` are append-only (the services only add rows):
the targets are recomputed from the clock log, never from ``updated_at``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .transitions import Action, State


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("客服热线")
    VISIT = "visit", _("来访")
    CALL_CENTRE = "call_centre", _("集团呼叫中心")
    EMAIL = "email", _("电子邮件")
    BOX = "box", _("投诉箱")
    CALLBACK = "callback", _("回访中发现")
    ONLINE = "online", _("网上投诉")


class Demand(models.TextChoices):
    """What the complainant asks for (SRV-1)."""

    REFUND = "refund", _("退款")
    RETURN = "return", _("退货")
    EXCHANGE = "exchange", _("换货")
    COMPENSATION = "compensation", _("赔偿")
    CRITICISM = "criticism", _("批评建议")
    OTHER = "other", _("其他")


class Complaint(models.Model):
    """客户投诉 — one complaint, from registration to its closing summary."""

    # Data scope (zhike.org.scopes): the handler's own, the handling department's tree.
    scope_owner_field = "handler"
    scope_department_field = "department"

    # Set from the row's id in the registering transaction; NULL only inside it (a unique
    # column admits many NULLs, an empty string only once).
    number = models.CharField(_("投诉编号"), max_length=24, unique=True, null=True)  # noqa: DJ001
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("投诉时间"))
    complainant = models.CharField(_("投诉人"), max_length=60)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=254, blank=True)
    customer = models.ForeignKey(
        "archive.Customer",
        verbose_name=_("客户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    reference = models.CharField(
        _("订单/产品/车辆"), max_length=100, blank=True, help_text=_("订单号、产品型号或车牌号")
    )
    content = models.TextField(_("投诉内容"))
    demand = models.CharField(_("诉求"), max_length=20, choices=Demand.choices)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    team = models.CharField(_("小组"), max_length=30, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("受理部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    major = models.BooleanField(_("重大投诉"), default=False)
    major_reasons = models.JSONField(_("重大原因"), default=list, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.REGISTERED
    )
    # The customer's complaint priority from the treatment matrix (GRD-10), 1 first, taken
    # when the customer is known; the queue sorts by it without a join.
    priority = models.PositiveSmallIntegerField(_("客户优先级"), default=9)
    # The earliest open target's due moment (the queue's third key); None: paused or done.
    due_at = models.DateTimeField(_("最近期限"), null=True, blank=True)
    paused = models.BooleanField(_("暂停计时"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    accused = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被投诉人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
        help_text=_("被投诉的员工不能处理或审批此投诉"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_registered",
    )
    reply = models.TextField(_("答复"), blank=True)
    cause = models.TextField(_("原因"), blank=True)
    responsible_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    solution = models.TextField(_("解决方案"), blank=True)
    compensation = models.DecimalField(
        _("赔偿金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    summary = models.TextField(_("处理总结"), blank=True)
    corrective = models.TextField(_("纠正措施"), blank=True)
    preventive = models.TextField(_("预防措施"), blank=True)
    crisis_meeting = models.TextField(_("危机处理会议"), blank=True)
    warning_report = models.TextField(_("预警报告"), blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新处理次数"), default=0)
    policy_version = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户投诉")
        verbose_name_plural = _("客户投诉")
        permissions = [
            ("manage_complaint", _("可受理、分派投诉")),
            ("handle_complaint", _("可处理投诉")),
        ]
        indexes = [
            # The queues (SRV-10): major first, then the customer's priority, then due.
            models.Index(
                fields=["team", "-major", "priority", "due_at"],
                condition=~Q(state="closed"),
                name="complaint_team_queue",
            ),
            models.Index(
                fields=["handler", "-major", "priority", "due_at"],
                condition=~Q(state="closed"),
                name="complaint_handler_queue",
            ),
            models.Index(fields=["department", "-id"], name="complaint_department"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer"),
            models.Index(fields=["phone", "-received_at"], name="complaint_phone"),
            models.Index(fields=["received_at"], name="complaint_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(handler__isnull=True)
                | Q(accused__isnull=True)
                | ~Q(handler=models.F("accused")),
                name="complaint_handler_not_accused",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


# What the history records beside the workflow's actions.
EVENT_KINDS = [
    ("register", _("登记")),
    *Action.choices,
    ("pause", _("暂停计时")),
    ("resume", _("恢复计时")),
    ("major", _("定为重大投诉")),
    ("crisis", _("危机处理会议")),
    ("warning_report", _("预警报告")),
    ("mail", _("客户来信")),
    ("product", _("出具处理单")),
    ("told", _("已邮件告知投诉人")),
]


class ComplaintEvent(models.Model):
    """投诉处理记录 — one action on a complaint: who, when, from which state to which."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=EVENT_KINDS)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("投诉处理记录")
        verbose_name_plural = _("投诉处理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_event")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class ClockKind(models.TextChoices):
    STARTED = "started", _("开始计时")
    PAUSED = "paused", _("暂停(等待客户)")
    RESUMED = "resumed", _("恢复计时")
    STOPPED = "stopped", _("停止计时")
    TARGET_CHANGED = "target_changed", _("期限重算")


class ClockEvent(models.Model):
    """计时记录 — the append-only log the targets are computed from (SRV-5)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="clock")
    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("计时记录")
        verbose_name_plural = _("计时记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaint_clock")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class TargetKind(models.TextChoices):
    SOLUTION = "solution", _("提出解决方案")
    CLOSURE = "closure", _("结案")
    WARNING = "warning", _("重大投诉预警报告")
    DOCUMENT = "document", _("出具退货处理报告或赔偿告知单")


class Target(models.Model):
    """One service-level target of a complaint in one round (a reopen starts a round):
    when it falls due, when its handler is warned, when it was met or breached. The sweep
    reads ``next_check_at``; each warning and each breach happens once."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("目标"), max_length=20, choices=TargetKind.choices)
    round = models.PositiveSmallIntegerField(default=0)
    start = models.DateTimeField(_("起算"))
    due_at = models.DateTimeField(_("期限"))
    warn_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    beyond_calendar_data = models.BooleanField(default=False)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    # Who held the complaint when it went overdue: it counts against them (s003-6).
    breached_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("超期责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    next_check_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    policy_version = models.CharField(max_length=50)

    class Meta:
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "round"], name="complaint_target_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="complaint_target_sweep",
            ),
            models.Index(fields=["claim"], name="complaint_target_claim"),
            models.Index(
                fields=["breached_handler", "breached_at"],
                condition=Q(breached_at__isnull=False),
                name="complaint_target_breached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}/{self.round}"


class ProductOutcome(models.TextChoices):
    """s004 产品原因投诉: the technical department's decision, one of two documents."""

    RETURN = "return", _("顾客退货处理报告")
    COMPENSATION = "compensation", _("赔偿告知单")


class ProductDecision(models.Model):
    """The technical department's decision on a product complaint (SRV-6): verified,
    responsibility assigned, and a 顾客退货处理报告 (production re-issues the order as
    urgent) or a 赔偿告知单 (finance compensates) issued — one per complaint."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, primary_key=True, related_name="product_decision"
    )
    outcome = models.CharField(_("处理方式"), max_length=20, choices=ProductOutcome.choices)
    number = models.CharField(_("单号"), max_length=30, unique=True)
    opinion = models.TextField(_("处理意见"))
    amount = models.DecimalField(
        _("赔偿金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("出具时间"))

    class Meta:
        verbose_name = _("产品投诉处理单")
        verbose_name_plural = _("产品投诉处理单")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="return", amount__isnull=True)
                | Q(outcome="compensation", amount__gt=0),
                name="product_decision_amount_fits_outcome",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ComplaintAttachment(models.Model):
    """A file that came with a complaint (an e-mail's attachment), kept through Django's
    storage API; always downloaded, never shown inline (its type is what the sender said)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(_("文件"), upload_to="complaints/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投诉附件")
        verbose_name_plural = _("投诉附件")

    def __str__(self) -> str:
        return self.name


class MailOutcome(models.TextChoices):
    COMPLAINT = "complaint", _("新投诉")
    REPLY = "reply", _("投诉来信")
    QUARANTINED = "quarantined", _("已隔离")


class MailMessage(models.Model):
    """One e-mail read from the complaint mailbox (SRV-1): what became of it. ``key`` is
    unique, so a mail read again after a crash (handled, not yet marked in the mailbox)
    never makes a second complaint. A quarantined mail keeps its raw message."""

    key = models.CharField(max_length=300, unique=True)
    received_at = models.DateTimeField(_("收到时间"))
    sender = models.CharField(_("发件人"), max_length=254, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=MailOutcome.choices)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails"
    )
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    raw = models.FileField(_("原始邮件"), upload_to="complaint-mail/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("投诉邮件")
        verbose_name_plural = _("投诉邮件")
        indexes = [models.Index(fields=["outcome", "-received_at"], name="complaint_mail_outcome")]

    def __str__(self) -> str:
        return f"{self.sender} {self.subject}"


class MonthlyReport(models.Model):
    """客户投诉月报 / 客户投诉核查表 (SRV-7, SRV-8, SRV-9): last month's figures, due by the
    policy's day (s003-19: 每月 10 日前), prepared, signed by the manager (s004: 每月经主管
    经理签字), then published on the notice board. The figures are a snapshot."""

    month = models.DateField(_("月份"), unique=True)
    summary = models.TextField(_("分析与改进"), blank=True)
    figures = models.JSONField(_("统计"), default=dict, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签字"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    policy_version = models.CharField(max_length=50)

    class Meta:
        verbose_name = _("投诉月报")
        verbose_name_plural = _("投诉月报")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
