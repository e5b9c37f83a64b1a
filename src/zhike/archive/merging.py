"""What other modules move when two customers are merged (ARC-7).

The archive moves its own records (contacts, follow-ups); a module that keeps records per
customer — the ledger, grading — registers a hook in its AppConfig.ready, so that a merge
keeps every history without the archive knowing those modules.
"""

from collections.abc import Callable

from .models import Customer

MergeHook = Callable[[Customer, Customer], None]  # (kept, duplicate), inside the merge
_hooks: list[MergeHook] = []


def register_merge_hook(hook: MergeHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def run_merge_hooks(keep: Customer, duplicate: Customer) -> None:
    for hook in _hooks:
        hook(keep, duplicate)
