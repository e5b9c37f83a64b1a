from django.contrib import admin

from .models import FollowUp, VisitReport


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "state", "occurred_at", "by"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["customer", "by"]


@admin.register(VisitReport)
class VisitReportAdmin(admin.ModelAdmin):
    list_display = ["visit", "by", "submitted_at"]
    raw_id_fields = ["visit", "by"]
