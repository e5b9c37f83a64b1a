"""Customer archive (客户档案). A first model, just enough to prove data scoping; the
archive issue extends it with the information groups of ARC-3."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerStatus(models.TextChoices):
    """Lifecycle status (ARC-5)."""

    POTENTIAL = "potential", _("潜在客户")
    INTENT = "intent", _("意向客户")
    DEAL = "deal", _("成交客户")
    LOST = "lost", _("流失客户")
    WIN_BACK = "win_back", _("挽回中")
    BLACKLISTED = "blacklisted", _("黑名单")


class Customer(models.Model):
    """客户 — one customer record of the archive, owned by one salesperson (ARC-1, ORG-2)."""

    # Data scope fields (see zhike.org.scopes.visible_to).
    scope_owner_field = "owner"
    scope_department_field = "department"

    code = models.CharField(_("客户编码"), max_length=32, unique=True, editable=False)
    name = models.CharField(_("客户名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.POTENTIAL
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Bumped by every update: lets clients detect lost updates and tests check consistency.
    version = models.PositiveIntegerField(_("版本"), default=1)
    # When the data-quality sweep last told the owner this record was stale (ARC-6).
    stale_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        permissions = [
            ("view_customer_phone", _("可查看完整电话号码")),
            ("run_data_quality_sweep", _("可立即执行资料更新检查")),
        ]
        indexes = [
            # Each scope's first page is an index range scan, newest first.
            models.Index(fields=["owner", "-id"], name="customer_owner_id"),
            models.Index(fields=["department", "-id"], name="customer_dept_id"),
            models.Index(fields=["status", "-id"], name="customer_status_id"),
            models.Index(fields=["updated_at"], name="customer_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class CodeSequence(models.Model):
    """编码序列 — the last number issued per code prefix; codes are never reused (ARC-2)."""

    key = models.CharField(max_length=40, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("编码序列")
        verbose_name_plural = _("编码序列")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"
