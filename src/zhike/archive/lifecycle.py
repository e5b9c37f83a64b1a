"""Lifecycle status transitions (ARC-5): potential → intent → deal → lost / win-back.

A pure table. Blacklisting is not a status change a user makes on the customer form: it
goes through the blacklist procedure (GRD-8), which is the only caller of ``to_blacklist``.
"""

from .models import CustomerStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.POTENTIAL: frozenset({S.INTENT, S.DEAL, S.LOST}),
    S.INTENT: frozenset({S.POTENTIAL, S.DEAL, S.LOST}),
    S.DEAL: frozenset({S.LOST}),
    S.LOST: frozenset({S.WIN_BACK}),
    S.WIN_BACK: frozenset({S.DEAL, S.LOST}),
    S.BLACKLISTED: frozenset(),
}
# A new record may start in any status but blacklisted (importing an existing book).
INITIAL = frozenset(TRANSITIONS) - {S.BLACKLISTED}


def may_change(old: str, new: str) -> bool:
    return old == new or new in TRANSITIONS.get(old, frozenset())
