"""Text translated when it is read, not when it is stored.

A notice, a to-do, an approval or a review is created once and read by people who use
different languages: "待您审批:客户列入黑名单:某公司" must read "Awaiting your approval:
Blacklist a customer: 某公司" for an English reader. So such a title is kept as its message
id and arguments (``title_text``) and rendered in the reader's language; the text in the
company's language (settings.LANGUAGE_CODE) is stored beside it (``title``) for search,
sorting, the admin and messages pushed to WeCom/DingTalk.

Mark the message id for ``makemessages`` with ``gettext_noop``::

        deferred("审批:%(title)s", title=request.title_source)

An argument is a plain value (a name, a number, a date: shown as given) or another deferred
text (rendered in the reader's language too)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext

type Argument = Deferred | str | int | float


@dataclass(frozen=True)
class Deferred:
    msgid: str
    args: Mapping[str, Argument] = field(default_factory=dict)

    def render(self) -> str:
        """The text in the active language."""
        text = gettext(self.msgid)
        if not self.args:
            return text
        values = {k: v.render() if isinstance(v, Deferred) else v for k, v in self.args.items()}
        try:
            return text % values
        except (KeyError, TypeError, ValueError):
            # A translation that lost a placeholder must not break the page: fall back to
            # the message id, whose placeholders the code wrote.
            return self.msgid % values

    def __str__(self) -> str:
        return self.render()

    def as_json(self) -> dict[str, Any]:
        return {
            "m": self.msgid,
            "a": {k: v.as_json() if isinstance(v, Deferred) else v for k, v in self.args.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Deferred":
        args = {
            k: cls.from_json(v) if isinstance(v, Mapping) else v
            for k, v in (data.get("a") or {}).items()
        }
        return cls(str(data["m"]), args)


def deferred(msgid: str, **args: Argument) -> Deferred:
    return Deferred(msgid, args)


def stored_text(
    name: str, value: "str | Deferred", max_length: int | None = None
) -> dict[str, Any]:
    """The model fields ``name`` and ``name_text`` for ``value``: keyword arguments for
    ``create`` or a model's constructor."""
    if isinstance(value, Deferred):
        with translation.override(settings.LANGUAGE_CODE):
            text = value.render()
        data: dict[str, Any] | None = value.as_json()
    else:
        text, data = value, None
    return {name: text[:max_length] if max_length else text, f"{name}_text": data}


def stored_title(title: "str | Deferred", max_length: int = 200) -> dict[str, Any]:
    return stored_text("title", title, max_length)


def stored_titles(values: "list[Deferred]", max_length: int = 200) -> list[tuple[str, Any]]:
    """(title, title_text) of many deferred titles with one switch to the company's
    language: a sweep writes a hundred thousand, and a switch per title costs more than
    the title itself."""
    with translation.override(settings.LANGUAGE_CODE):
        return [(value.render()[:max_length], value.as_json()) for value in values]


def rendered(text: str, data: Mapping[str, Any] | None) -> str:
    """A stored text in the reader's language (as stored when it was not deferred)."""
    return Deferred.from_json(data).render() if data else text


class DeferredTitle(models.Model):
    """Adds ``title_text`` beside a model's ``title``; read ``display_title``."""

    title: str
    title_text = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def title_source(self) -> "Deferred | str":
        """The title as an argument of another deferred text (a notice about this)."""
        return Deferred.from_json(self.title_text) if self.title_text else self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's (the active) language."""
        return rendered(self.title, self.title_text)
