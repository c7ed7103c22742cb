"""Keyword recall against third-party mutation generators (`make recall`, docs/recall.md)."""
