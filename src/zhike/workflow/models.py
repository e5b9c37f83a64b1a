"""Workflow core: notices and deliveries (NTF), the business calendar's company overrides,
delegations (ORG-3), approvals (APR-1) and deadlines with escalation (SRV-5)."""

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhike.deferred import DeferredTitle, rendered


class Notice(DeferredTitle):
    """通知 — a message to one person in their in-app inbox (NTF-1)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    body_text = models.JSONField(null=True, blank=True, editable=False)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    # What the notice is about (an approval step, …): deciding it marks the notice read.
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-id"]),
            models.Index(
                fields=["content_type", "object_id"],
                condition=models.Q(read_at__isnull=True),
                name="notice_unread_about",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_body(self) -> str:
        return rendered(self.body, self.body_text)


class CalendarOverride(models.Model):
    """公司日历调整 — a company day off or extra workday on top of the official calendar,
    for the whole company or one department (SRV-5)."""

    day = models.DateField(_("日期"))
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选为上班日,不勾选为休息日"))
    name = models.CharField(_("说明"), max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示全公司"),
    )

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "department"], name="calendar_override_once"),
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(department__isnull=True),
                name="calendar_override_company_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '休息'} {self.name}"


class Delegation(models.Model):
    """代理 — a colleague acts for an absent person (ORG-3) during a period: approvals and
    due items reach the delegate; ownership of customers does not change."""

    absent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("请假人"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代理人"),
        on_delete=models.CASCADE,
        related_name="delegations_taken",
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代理")
        verbose_name_plural = _("代理")
        indexes = [models.Index(fields=["delegate", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(absent=models.F("delegate")), name="delegation_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} → {self.absent}"


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    RETURNED = "returned", _("退回修改")


class ApprovalRequest(DeferredTitle):
    """审批单 — one approval of any object (APR-1): a chain of steps from the policy."""

    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    # The customer the subject is about (a shipment's, a blacklisting's…), or the customer
    # itself: the 360° timeline reads a customer's approvals by it.
    customer = models.ForeignKey(
        "archive.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    round = models.PositiveSmallIntegerField(default=1, help_text="resubmissions start a new round")
    policy_version = models.CharField(max_length=50)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审批单")
        verbose_name_plural = _("审批单")
        indexes = [
            models.Index(fields=["requester", "-id"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(
                fields=["customer", "-created_at"],
                condition=models.Q(customer__isnull=False),
                name="approval_customer_time",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title


class StepState(models.TextChoices):
    WAITING = "waiting", _("未到")
    ACTIVE = "active", _("待审批")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("驳回")
    RETURNED = "returned", _("退回")
    CANCELLED = "cancelled", _("取消")


class ApprovalStep(models.Model):
    """审批步骤 — one step of a request: who may act (``candidates``), who did, and why."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=50)
    label = models.CharField(max_length=100)
    candidates = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="approval_steps")
    state = models.CharField(max_length=20, choices=StepState.choices, default=StepState.WAITING)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审批步骤")
        verbose_name_plural = _("审批步骤")
        ordering = ["round", "position"]
        indexes = [models.Index(fields=["state", "request"])]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.round}.{self.position} {self.label}"


class DeadlineState(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


# The rule of a person's own to-do (workflow.todos): closed by hand, never escalated.
PERSONAL_RULE = "personal"


class Deadline(DeferredTitle):
    """期限 — something a person must do by a moment; overdue ones escalate (SRV-5, NTF-1).

    The sweep claims rows with ``claim``: one UPDATE marks the rows it takes, so two sweeps
    at once never escalate the same level twice."""

    rule = models.CharField(_("规则"), max_length=60)
    title = models.CharField(_("事项"), max_length=200)
    link = models.CharField(max_length=300, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.BigIntegerField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    due_at = models.DateTimeField(_("到期时间"))
    state = models.CharField(
        _("状态"), max_length=20, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    escalation = models.CharField(max_length=50, default="default")
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    overdue_since = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    beyond_calendar_data = models.BooleanField(
        default=False, help_text=_("到期时间超出法定节假日数据范围,按周末推算")
    )
    policy_version = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        indexes = [
            # The sweep's range scan: open items whose next escalation is due.
            models.Index(
                fields=["next_escalation_at"],
                name="deadline_sweep",
                condition=models.Q(state="open"),
            ),
            models.Index(fields=["assignee", "state", "due_at"], name="deadline_assignee"),
            models.Index(fields=["content_type", "object_id", "state"], name="deadline_object"),
            models.Index(fields=["claim"], name="deadline_claim"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def is_personal(self) -> bool:
        return self.rule == PERSONAL_RULE

    def is_overdue(self, now: datetime) -> bool:
        return self.state == DeadlineState.OPEN and self.due_at < now


class RobotChannel(models.Model):
    """群机器人 — a WeCom (企业微信) or DingTalk (钉钉) group-robot webhook (NTF-2)."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信")
        DINGTALK = "dingtalk", _("钉钉")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉“加签”安全设置的密钥,可留空")
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("只接收该部门人员的通知;留空表示全公司"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name


class NotificationPreference(models.Model):
    """个人通知设置 — which extra channels a person wants (in-app is always on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("邮件"), default=True)
    robot = models.BooleanField(_("群机器人"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """发送记录 — one notice to one external channel; sent at most once (NTF-2)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20)  # email / robot
    robot = models.ForeignKey(RobotChannel, null=True, blank=True, on_delete=models.CASCADE)
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        indexes = [models.Index(fields=["state", "id"])]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notice_id} {self.state}"
