"""The security tests attack the real processes over HTTP: the same stack the e2e tests
start (one per test module)."""

from tests.e2e.conftest import sink, stack  # noqa: F401 - the pytest fixtures
from tests.security.audited_stack import own_stack, own_tokens  # noqa: F401 - the erasure audit's own servers
