"""What the grading codes say, in the reader's language (translated when shown): the web
pages and the API use these, so a client never has to know what "not_evaluated" means."""

from django.utils.translation import gettext_lazy as _

# Why a grade is the lowest whatever the total (GRD-3).
NOTE_LABELS = {
    "no_trade": _("无交易"),
    "not_evaluated": _("往来未满首次评估期"),
    "new": _("新客户首年"),
}
# Which quota a tier missed (GRD-4).
QUOTA_LABELS = {"all": _("超出总量名额"), "category": _("超出品种名额")}


def note_label(code: str) -> str:
    return str(NOTE_LABELS.get(code, ""))


def quota_label(code: str) -> str:
    return str(QUOTA_LABELS.get(code, ""))
