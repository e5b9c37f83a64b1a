"""Numbers as people read them: yuan in 万 and 亿 (Chinese) or K/M/B (English)."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def figure(value: Any, unit: str = "yuan") -> str:
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "count":
        return f"{int(number):,}"
    amount = abs(number)
    if (get_language() or "zh").startswith("zh"):
        if amount >= 100_000_000:
            return f"{number / 100_000_000:.2f} 亿"
        if amount >= 10_000:
            return (
                f"{number / 10_000:.1f} 万" if amount < 1_000_000 else f"{number / 10_000:,.0f} 万"
            )
        return f"{number:,.0f}"
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if amount >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{number:,.0f}"


@register.filter
def cell(value: Any) -> str:
    """A table cell: decimals with thousands separators, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return (
            f"{value:,.2f}"
            if value != value.to_integral() or abs(value) < 1000
            else f"{value:,.0f}"
        )
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
