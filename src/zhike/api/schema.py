"""Bases for request and response bodies."""

from typing import Any

from ninja import Schema
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from zhike.text import CONTROL_CHARACTER_MESSAGE, has_control_characters


class In(Schema):
    """A request body or query: no text field may hold a control character (zhike.text)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if has_control_characters(value):
            raise PydanticCustomError("control_character", CONTROL_CHARACTER_MESSAGE)
        return value


class Out(BaseModel):
    """A response body the endpoint builds as a dict. pydantic-core checks a dict in Rust,
    whereas ninja's ``Schema`` reads every field of every row through a Python getter
    (meant for ORM objects): a millisecond per 50-row page, a tenth of the request."""


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every 4xx answer: a code, a message for the user (in their language) and, for bad
    input, each field's problem."""

    code: str
    message: str
    errors: list[FieldErrorOut] = []
