"""Bases for request and response bodies."""

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, field_validator
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


# A database id in a body or query: a signed 64-bit integer, positive.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

MAX_OFFSET = 1_000_000  # deeper than any list is paged; bounds what reaches the database


class PageQuery(In):
    """A page of a list: ``limit`` rows from ``offset`` (both bounded: a negative or
    enormous value is a 400, not a database error)."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @property
    def window(self) -> slice:
        return slice(self.offset, self.offset + self.limit)


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
