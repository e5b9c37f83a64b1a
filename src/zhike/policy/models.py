"""Versions of the company's policy document (POL-3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    """管理制度版本 — one revision of the company's 客户管理制度 as TOML, approved through
    the workflow core before it takes effect on its date (s004 修订: 每年末由业务部经理修改,
    主管副总经理审批). Every computed result names the version it used."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("审批中")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    version = models.CharField(_("版本号"), max_length=40, unique=True)
    name = models.CharField(_("制度名称"), max_length=100)
    effective_date = models.DateField(_("生效日期"))
    text = models.TextField(_("制度内容(TOML)"))
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("管理制度版本")
        verbose_name_plural = _("管理制度版本")
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["state", "-effective_date"], name="policy_in_force")]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
