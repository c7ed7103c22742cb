"""Tools for the people who write the moderation policy and the tools file: schemas, check, moderate, query, publish.

Each tool is a module with a `main(argv) -> int` (0 ok, 1 invalid or failed, 2 usage) behind a make target; none
needs a server, and none calls AWS unless asked to (publish, or a detector the environment enables).
"""
