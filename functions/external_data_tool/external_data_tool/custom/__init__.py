"""Your own external data tools (kind `python`): one module per tool or several per module.

See docs/external-data-tools.md, "`python`: your own function"."""
