"""Customer codes (ARC-2): prefix + year + sequence from the policy; never reused."""

from datetime import date

from django.db import connection

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
    if not connection.in_atomic_block:
        raise RuntimeError("reserve_customer_codes must run inside a transaction")
    key = f"customer:{rule.prefix}:{today.year if rule.include_year else ''}"
    # One statement (the row made if missing, locked, moved on and read back), where a
    # get_or_create, a SELECT … FOR UPDATE and a save were four round trips: an import
    # makes one reservation per batch, a form one per customer.
    q = connection.ops.quote_name
    table, key_column, last = (
        q(CodeSequence._meta.db_table),
        q(CodeSequence._meta.get_field("key").name),  # the column has the field's name
        q(CodeSequence._meta.get_field("last_value").name),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {last}) VALUES (%s, %s)"  # noqa: S608 (names from _meta)
            f" ON CONFLICT ({key_column}) DO UPDATE SET {last} = {table}.{last} + excluded.{last}"
            f" RETURNING {last}",
            [key, count],
        )
        (after,) = cursor.fetchone()
    first = int(after) - count + 1
    return [format_code(rule, year=today.year, number=n) for n in range(first, first + count)]


def next_customer_code(rule: CodingRule, *, today: date) -> str:
    return reserve_customer_codes(rule, today=today, count=1)[0]
