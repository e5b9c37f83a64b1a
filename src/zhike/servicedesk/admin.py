"""The complaint mailbox's record in the admin: quarantined mails wait here for a person
(their raw message is kept), the rest show what each mail became."""

from django.contrib import admin
from django.http import HttpRequest

from .models import MailMessage


@admin.register(MailMessage)
class MailMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "complaint", "reason")
    list_filter = ("outcome",)
    search_fields = ("sender", "subject")
    readonly_fields = (
        "key",
        "received_at",
        "sender",
        "subject",
        "outcome",
        "complaint",
        "reason",
        "raw",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
