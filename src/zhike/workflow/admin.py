from django.contrib import admin

from zhike.audit.admin import ReadOnlyAdmin

from .models import (
    ApprovalRequest,
    CalendarOverride,
    Deadline,
    Delegation,
    Delivery,
    NotificationPreference,
    RobotChannel,
)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "name", "department"]
    list_filter = ["is_workday", "department"]
    date_hierarchy = "day"


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["absent", "delegate", "starts_at", "ends_at", "reason"]
    autocomplete_fields = ["absent", "delegate"]


@admin.register(RobotChannel)
class RobotChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "active"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "robot"]


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "requester", "state", "created_at"]
    list_filter = ["kind", "state"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["title", "assignee", "due_at", "state", "escalation_level"]
    list_filter = ["state", "rule"]
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notice", "channel", "robot", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel"]
