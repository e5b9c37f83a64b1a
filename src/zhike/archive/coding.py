"""Customer codes (ARC-2): prefix + year + sequence from the policy; never reused."""

from datetime import date

from django.db import transaction

from zhike.policy.schema import CodingRule

from .models import CodeSequence


def format_code(rule: CodingRule, *, year: int, number: int) -> str:
    year_part = str(year) if rule.include_year else ""
    return f"{rule.prefix}{year_part}{number:0{rule.sequence_digits}d}"


def reserve_customer_codes(rule: CodingRule, *, today: date, count: int) -> list[str]:
    """Take the next ``count`` numbers of the rule's sequence. Must run inside the caller's
    transaction: the row lock serialises concurrent creators on PostgreSQL, SQLite's
    IMMEDIATE transactions serialise them there. A rolled-back number is simply skipped:
    codes may have gaps but are never issued twice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_customer_codes must run inside a transaction")
    key = f"customer:{rule.prefix}:{today.year if rule.include_year else ''}"
    CodeSequence.objects.get_or_create(key=key)
    sequence = CodeSequence.objects.select_for_update().get(key=key)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [format_code(rule, year=today.year, number=n) for n in range(first, first + count)]


def next_customer_code(rule: CodingRule, *, today: date) -> str:
    return reserve_customer_codes(rule, today=today, count=1)[0]
