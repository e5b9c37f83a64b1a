from django.contrib import admin

from zhike.audit.admin import ReadOnlyAdmin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Read-only for support: every change goes through the app's services (and audit)."""

    list_display = ["code", "name", "status", "owner", "department", "updated_at"]
    list_filter = ["status", "department"]
    search_fields = ["code", "name"]
    list_select_related = ["owner", "department"]
    readonly_fields = ["code", "owner", "department", "created_by", "version"]
    show_full_result_count = False
