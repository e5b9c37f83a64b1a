"""Ownership (客户归属): the public pool, claims, lapses, assignment and locks (OWN)."""
