"""Organisation (ORG-1, ORG-2): departments, users, roles and their data scopes."""

from typing import Any

from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """部门 — a node of the company's department tree (ORG-1).

    ``path`` is the materialised chain of ancestor ids (``/1/4/9/``) so that
    "department and below" is one indexed prefix query, whatever the depth.
    """

    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("编码"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep ``path`` (and the paths of every department below) in step with ``parent``."""
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path == self.path:
            return
        old_path, self.path = self.path, new_path
        Department.objects.filter(pk=self.pk).update(path=new_path)
        if old_path:
            for child in Department.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = new_path + child.path[len(old_path) :]
                Department.objects.filter(pk=child.pk).update(path=child.path)


class DataScope(models.TextChoices):
    """Which records a role may see (ORG-2), from narrowest to widest."""

    OWN = "own", _("本人")
    DEPARTMENT = "department", _("本部门")
    DEPARTMENT_TREE = "department_tree", _("本部门及下级")
    ALL = "all", _("全部")


class Role(models.Model):
    """角色 — a seed role (业务员, 营销主管 …) as a permission set with a data scope (ORG-1/2)."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    scope = models.CharField(
        _("数据范围"), max_length=20, choices=DataScope.choices, default=DataScope.OWN
    )
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("权限"), blank=True, related_name="roles"
    )

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(self.name)


class User(AbstractUser):
    """用户 — an employee: belongs to one department, holds one or more roles (ORG-1)."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), blank=True, related_name="users")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new password or a deactivated account ends every API token the user had:
        a stolen token must not outlive the password, nor come back with the account."""
        password_changed = getattr(self, "_password", None) is not None  # set_password()
        super().save(*args, **kwargs)
        if (password_changed or not self.is_active) and self.pk:
            ApiToken.objects.filter(user_id=self.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


class ApiToken(models.Model):
    """API 令牌 — a bearer token for the REST API. Only a SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set when the user or an admin revokes it, or the password changes; never cleared.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
