"""Text that may be stored: C0 control characters (NUL, \\x01 … \\x1f but tab, line feed and
carriage return; and DEL) are refused at every entrance — API bodies and query strings, web
forms, imported cells. PostgreSQL refuses NUL in text, and xlsx refuses every control
character: one such name once made the whole scope's export answer 500."""

import re
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What the user is told (translated where it is shown).
CONTROL_CHARACTER_MESSAGE = "不能包含控制字符"


def has_control_characters(value: Any) -> bool:
    """Whether ``value`` — a text, or lists and dicts of them — holds a control character."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, list | tuple):
        return any(has_control_characters(v) for v in value)
    if isinstance(value, dict):
        return any(has_control_characters(k) or has_control_characters(v) for k, v in value.items())
    return False
