"""Your own external data tools (kind `python`): one module per tool or several per module; see README."""
