"""The search box's filters (archive.search): each kind of query on the index that serves
it, in two forms — the one the search indexes serve, and the one cheapest to check on rows
already read (``search_plan``'s window)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains as Contains
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.lookups import Contains as TextContains

from .search import normalize_query


class Bigrams(Func):
    """``zhike_bigrams(search_text)``: the expression of PostgreSQL's bigram GIN index
    (migrations archive 0007 and 0016)."""

    function = "zhike_bigrams"
    output_field = ArrayField(TextField())


class Typed(Func):
    """The search key's typed section (pinyin, initials, phone digits: ``archive.search``),
    the expression of PostgreSQL's trigram index (migration archive 0023): the text before
    ``search.SECTION``, written as the index writes it so that the planner matches the two."""

    template = "split_part(%(expressions)s, E'\\x1f', 1)"
    output_field = TextField()


def typed_contains(text: str, *, indexed: bool = True) -> Q:
    """``text`` in a field of the typed section. On PostgreSQL, indexed, through the
    trigram index of that section; on rows already read (``indexed=False``) and on SQLite,
    in the whole key: the same matches, since the names section holds no run of letters or
    digits that the typed one lacks (an ASCII run of a name is also in its pinyin)."""
    if indexed and connection.vendor == "postgresql":
        return Q(TextContains(Typed(F("search_text")), text))
    return Q(search_text__contains=text)


# Phone digits a search may match on customers the searcher does not own (SEC-5): the
# last four, which every masked number shows, or the whole number. Any other run of
# digits would let someone rebuild a masked number digit by digit (5876, 85876, …)
# by watching which customers come back.
PHONE_TAIL = 4
PHONE_MIN = 7  # the shortest whole number: a landline without its area code


def search_filter(q: str, *, searcher_id: int | None = None, indexed: bool = True) -> Q:
    """:func:`text_filter` for ``q``, except that a query of digits only matches a phone
    number's last four digits or the whole number — any fragment only on the customers
    ``searcher_id`` owns, whose numbers they see in full (SEC-5) — or the start of a code
    or USCC, which are not secret."""
    needle = normalize_query(q)
    if not needle.isdigit() or not needle.isascii():
        return text_filter(q, indexed=indexed)
    own = Q(owner_id=searcher_id) if searcher_id is not None else Q(pk__in=[])
    starts = identifier_start(needle)
    if len(needle) < PHONE_TAIL:
        return (own & _typed_filter(needle, indexed=indexed)) | starts
    # Each field of the typed section is followed by "|".
    if len(needle) == PHONE_TAIL:
        safe = typed_contains(needle + "|", indexed=indexed)
    elif len(needle) >= PHONE_MIN:
        safe = typed_contains(f"|{needle}|", indexed=indexed)
    else:
        safe = Q(pk__in=[])
    # Every branch contains the digits: one trigram scan for them, the branches as its
    # recheck (an OR of three LIKEs was three index scans: the tail search at 35 % of the
    # floor instead of 51 %).
    return (typed_contains(needle, indexed=indexed) & (safe | own)) | starts


def text_filter(q: str, *, indexed: bool = True) -> Q:
    """One box for everything (archive.search), each kind of key on its own index:

    - Chinese (科技, 纪元光电): anywhere in a name or a contact's name, through the index
      of Chinese pairs (every pair of the query must be there), then the text itself.
    - Letters and digits: anywhere in the full pinyin or the initials, or a phone number
      (the trigram index of the typed section), or the start of a code or USCC (their
      b-tree indexes). Two of them match the start of a field only — the initials zl find
      张磊, 13 the phones starting 13: a pair of letters anywhere in a million keys of
      pinyin would match most of them anyway, and two characters make no trigram.

    ``indexed=False`` gives the same match in the form cheapest to check on rows already
    read (a search's window, ``search_plan``): the bigram function costs ~7 µs a row, the
    ``LIKE`` it stands for well under one."""
    needle = normalize_query(q)
    if needle.isascii():
        return _typed_filter(needle, indexed=indexed) | identifier_start(needle)
    text = Q(search_text__contains=needle)
    pairs = chinese_pairs(needle)
    if not (indexed and pairs and connection.vendor == "postgresql"):
        return text
    bigrams = Q(Contains(Bigrams("search_text"), Value(pairs, ArrayField(TextField()))))
    # Two characters are one pair, and zhike_bigrams keeps every pair of adjacent non-ASCII
    # characters of the key: the index's match is the text's, nothing to check again on
    # the rows (科技's capped count for a salesperson at a million, 10.8 -> 9.9 ms).
    return bigrams if pairs == [needle] else bigrams & text


def _typed_filter(needle: str, *, indexed: bool) -> Q:
    if len(needle) <= 2:
        return typed_contains("|" + needle, indexed=indexed)  # the start of a field
    return typed_contains(needle, indexed=indexed)


def identifier_start(needle: str) -> Q:
    """Codes (KH2026…) and USCCs (9133…) by their start, on their b-tree indexes. A code is
    a prefix and numbers, a USCC holds its division's digits from its third character: a
    query of letters only (pinyin, initials) would match every code or none, so it skips
    them, and PostgreSQL keeps to the trigram index (an OR of four indexes made it prefer
    a scan of the table)."""
    if not any(ch.isdigit() for ch in needle):
        return Q(pk__in=[])
    upper = needle.upper()
    # The USCC's index is partial (no empty ones): the query must say so to be served by it.
    starts = Q(code__startswith=upper) | (Q(uscc__startswith=upper) & ~Q(uscc=""))
    return starts | Q(code__startswith=needle) if upper != needle else starts


def chinese_pairs(text: str) -> list[str]:
    """The pairs of adjacent Chinese characters in ``text``: the keys ``zhike_bigrams`` keeps."""
    return [
        text[i : i + 2]
        for i in range(len(text) - 1)
        if not text[i].isascii() and not text[i + 1].isascii()
    ]
