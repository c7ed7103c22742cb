"""Keyword recall against third-party mutation generators (`make recall`, docs/recall.md)."""

import os

# Importing garak points the root logger, at DEBUG, to a file in the user's home (~/.local/share/garak/garak.log)
# unless this names another: every library's debug lines would pile up there.
os.environ.setdefault("GARAK_LOG_FILE", os.devnull)
