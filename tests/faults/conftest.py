"""Fault injection: AWS endpoints that hang, drip, hang up, answer garbage, throttle or deny (faulty_aws.py), in front
of the session's moto server. The handler tests' fixtures (a fresh sandbox's loggers, Lambda's AWS variables) apply
here too."""

from tests.handlers.conftest import fresh_function_modules, fresh_powertools_loggers, runtime, secret_name, secrets

__all__ = ["fresh_function_modules", "fresh_powertools_loggers", "runtime", "secret_name", "secrets"]
