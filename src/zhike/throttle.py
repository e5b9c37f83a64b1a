"""Counting attempts in a time window, in the shared cache (every web process sees the
same count when the cache is Redis or the file cache)."""

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; whether it is still within ``limit`` attempts per
    ``window`` seconds (the window starts with the first attempt)."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit
