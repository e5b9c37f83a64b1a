from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Role, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    search_fields = ["name", "code"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "scope"]
    filter_horizontal = ["permissions"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "department", "is_active", "is_staff"]
    list_filter = ["department", "roles", "is_active"]
    search_fields = ["username", "display_name"]
    autocomplete_fields = ["department"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("组织"), {"fields": ("display_name", "department", "roles")}),
    )
    filter_horizontal = ["roles", "groups", "user_permissions"]
