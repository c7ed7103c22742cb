"""The precision corpus: how often keyword moderation's evasion readings flag innocent text (docs/precision.md).

Keyword lists come from pinned npm and PyPI packages (keyword_lists.py), innocent text from wordfreq, gettext
catalogs and Django's translations (texts.py); an item is kept only if the plain reading (plain_reading.py) finds no
listed word in it, so every flag the project's matcher raises on what is left is a false positive (flags.py).
`make precision` runs it all (__main__.py); tests/precision/ checks a fixed slice.
"""
