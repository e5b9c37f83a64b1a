"""Helpers for long streams of work (imports)."""

from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.utils import translation

_END = object()


def read_ahead[T](items: Iterator[T]) -> Generator[T, None, None]:
    """``items``, each made in a background thread while the caller works on the one
    before: one item ahead, so memory stays bounded.

    For an import: the next batch is read from the file and validated (pure Python) while
    the caller waits for the database to take the current one; the wait releases the GIL,
    so the two overlap. ``items`` must not touch the database (Django's connections are
    per thread). Its errors are raised here, in order; messages are translated in the
    caller's language."""
    language = translation.get_language()

    def next_item() -> object:
        with translation.override(language):
            return next(items, _END)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(next_item)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next_item)
            yield item  # type: ignore[misc]
