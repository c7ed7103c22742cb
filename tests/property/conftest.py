"""Property tests drive the real handlers: the handler tests' fixtures apply here too."""

from tests.handlers.conftest import fresh_function_modules, fresh_powertools_loggers, runtime, secret_name, secrets

__all__ = ["fresh_function_modules", "fresh_powertools_loggers", "runtime", "secret_name", "secrets"]
