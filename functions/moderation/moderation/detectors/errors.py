"""The one error the adapters raise themselves."""


class BadResponseError(Exception):
    """A well-formed AWS answer that cannot be used (e.g. fewer results than texts sent); says which, never text."""
