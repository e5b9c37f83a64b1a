"""Every service entry point, run at least once in a real transaction on PostgreSQL.

pytest-django wraps each ordinary test in a transaction, so a service missing its
``@transaction.atomic`` still passes there: its ``select_for_update`` runs inside the
test's transaction. In production the same call fails ("select_for_update cannot be used
outside of a transaction": adding a contact answered 500 on PostgreSQL, issue 13 item 8).
The suite's own tests of those services run again without the wrapping transaction:
each test module names its flows with ``tests.base.also_in_a_real_transaction`` (the copies
are named ``…_in_a_real_transaction``). SQLite ignores ``select_for_update``, so the copies
run on PostgreSQL only; the source check below holds on both.

Entry points and the flows that cover them:
- customer_create, customer_update, contact_add, interaction_record, customer_merge,
  customer_set_tags: tests/test_archive.py
- order_create, invoice_create, payment_record: tests/test_trade.py
- approval_submit, approval_act, approval_resubmit: tests/test_approvals.py
- blacklist_propose, blacklist_verify, blacklist_shorten, blacklist_readmit_request and
  their approval handlers: tests/test_grading_blacklist.py
- problem_record, event_downgrade: tests/test_grading_events.py
- review_start, review_adjust, review_submit, on_review_approved: tests/test_grading_review.py
- credit_review_start, credit_review_adjust, credit_review_submit, on_review_approved, and
  target_set: tests/test_credit_reviews.py, tests/test_analytics_web.py
"""

import ast
from pathlib import Path


def _functions_that_lock() -> list[tuple[str, str, bool]]:
    """(file, function, atomic?) for each function of src/zhike calling select_for_update."""
    found = []
    root = Path(__file__).resolve().parent.parent / "src" / "zhike"
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            source = ast.unparse(node)
            if "select_for_update(" not in source:
                continue
            atomic = any("atomic" in ast.unparse(d) for d in node.decorator_list) or (
                "transaction.atomic()" in source
            )
            found.append((str(path.relative_to(root)), node.name, atomic))
    return found


# Locking helpers that run only inside their callers' transactions (each caller is atomic
# and is exercised above); a new entry here needs that reason.
CALLED_INSIDE_A_TRANSACTION = {
    ("trade/services.py", "_customer_for_update"),  # order/invoice/payment create
    ("grading/blacklist.py", "on_entry_approved"),  # approval handlers: approval_act
    ("grading/blacklist.py", "on_reentry_approved"),
    ("grading/reviews.py", "on_review_approved"),
    ("grading/reviews.py", "_locked_review"),  # review_adjust, review_submit
    ("archive/services.py", "customer_set_blacklisted"),  # blacklist handlers
    ("archive/coding.py", "reserve_customer_codes"),  # checks in_atomic_block itself
    ("engagement/services.py", "_own_planned"),  # follow_up_complete, follow_up_cancel
    ("engagement/plans.py", "on_plan_approved"),  # approval handler: approval_act
    ("ownership/services.py", "lock_quota"),  # customer_claim, customers_assign, locks
    ("servicedesk/common.py", "locked"),  # every complaint_* action (each atomic)
    ("servicedesk/services.py", "_decided"),  # approval handlers: approval_act
    ("credit/reviews.py", "_open_review"),  # credit_review_adjust, credit_review_submit
}


def test_arc_3_every_function_that_locks_rows_is_atomic_or_called_inside_a_transaction() -> None:
    """The class of bug behind item 8, found in the source on both databases."""
    not_atomic = {
        (path, name)
        for path, name, atomic in _functions_that_lock()
        if not atomic and (path, name) not in CALLED_INSIDE_A_TRANSACTION
    }
    assert not_atomic == set()
