"""URL converters. ``<id:…>`` is a database id: digits that fit a signed 64-bit integer
(at most 18 of them). Django's ``int`` takes any length, and a 20-digit id reached the
database, which refused it with an error (500) instead of the page's 404."""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
