"""What the grading codes say, in the reader's language (translated when shown): the web
pages and the API use these, so a client never has to know what "not_evaluated" means."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from zhike.policy.schema import Policy

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


def level_label(policy: "Policy", axis: str, key: str) -> str:
    """A level's name in the policy (战略客户 for tier "strategic", the grade's label for a
    grade); the key itself when the policy no longer has it."""
    rules = policy.grading
    if axis == "grade":
        levels = rules.score.grades if rules.score else []
    else:
        rule = getattr(rules, axis, None)
        levels = rule.levels if rule is not None else []
    return next((level.label for level in levels if level.key == key), key)
