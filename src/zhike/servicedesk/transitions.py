"""The complaint workflow as one table (SRV-4, s003-6/7/19, s004): which action moves a
complaint from which states to which. Pure: no database, no clock; the services ask it
before they write, and the page asks it which buttons to show.

registered → (accept: valid, classified) → assigned → investigated → proposed →
approved → notified → surveyed → closed; ``dismiss`` closes an invalid complaint (the
customer's own fault) with a reasoned reply; ``reopen`` brings a closed one back (a
repeat); a returned or rejected solution goes back to investigated.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    CLASSIFIED = "classified", _("已受理")
    ASSIGNED = "assigned", _("处理中")
    INVESTIGATED = "investigated", _("已查明原因")
    PROPOSED = "proposed", _("方案待审批")
    APPROVED = "approved", _("方案已批准")
    NOTIFIED = "notified", _("已告知客户")
    SURVEYED = "surveyed", _("已回访")
    CLOSED = "closed", _("已结案")


class Action(models.TextChoices):
    ACCEPT = "accept", _("受理")
    DISMISS = "dismiss", _("不予受理")
    ASSIGN = "assign", _("分派")
    INVESTIGATE = "investigate", _("查明原因")
    PROPOSE = "propose", _("提出解决方案")
    APPROVED = "approved", _("方案批准")
    REFUSED = "refused", _("方案退回")
    NOTIFY = "notify", _("告知客户")
    SURVEY = "survey", _("满意度回访")
    CLOSE = "close", _("结案")
    REOPEN = "reopen", _("重新处理")


@dataclass(frozen=True)
class Move:
    sources: frozenset[State]
    target: State
    # Done by the approval engine's callback, never offered as a button.
    automatic: bool = False


S = State
TABLE: dict[Action, Move] = {
    Action.ACCEPT: Move(frozenset({S.REGISTERED}), S.CLASSIFIED),
    Action.DISMISS: Move(frozenset({S.REGISTERED}), S.CLOSED),
    # Assigning again (another handler) is allowed until a solution is proposed.
    Action.ASSIGN: Move(frozenset({S.CLASSIFIED, S.ASSIGNED, S.INVESTIGATED}), S.ASSIGNED),
    Action.INVESTIGATE: Move(frozenset({S.ASSIGNED, S.INVESTIGATED}), S.INVESTIGATED),
    Action.PROPOSE: Move(frozenset({S.INVESTIGATED}), S.PROPOSED),
    Action.APPROVED: Move(frozenset({S.PROPOSED}), S.APPROVED, automatic=True),
    Action.REFUSED: Move(frozenset({S.PROPOSED}), S.INVESTIGATED, automatic=True),
    Action.NOTIFY: Move(frozenset({S.APPROVED}), S.NOTIFIED),
    Action.SURVEY: Move(frozenset({S.NOTIFIED}), S.SURVEYED),
    Action.CLOSE: Move(frozenset({S.SURVEYED}), S.CLOSED),
    Action.REOPEN: Move(frozenset({S.CLOSED}), S.ASSIGNED),
}

OPEN_STATES = frozenset(State) - {State.CLOSED}


class NotAllowed(ValueError):
    """The action does not apply in this state."""


def next_state(state: str, action: str) -> State:
    """The state ``action`` leads to from ``state``; :class:`NotAllowed` if it does not apply."""
    try:
        move = TABLE[Action(action)]
    except ValueError:
        raise NotAllowed(f"unknown action {action!r}") from None
    if State(state) not in move.sources:
        raise NotAllowed(f"{action} does not apply to a complaint that is {state}")
    return move.target


def actions_from(state: str) -> list[Action]:
    """The actions a person may take in ``state`` (the page's buttons), in table order."""
    return [a for a, move in TABLE.items() if not move.automatic and State(state) in move.sources]
