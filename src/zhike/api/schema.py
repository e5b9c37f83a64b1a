"""Bases for request and response bodies."""

from pydantic import BaseModel


class Out(BaseModel):
    """A response body the endpoint builds as a dict. pydantic-core checks a dict in Rust,
    whereas ninja's ``Schema`` reads every field of every row through a Python getter
    (meant for ORM objects): a millisecond per 50-row page, a tenth of the request."""
