"""Shared by the fault suites: the --long option (read from the root conftest) and a way
to print lines to the terminal as a run goes (the schedule at the start, the summary at
the end), whatever pytest captures."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest


@pytest.fixture
def say(request: pytest.FixtureRequest) -> Callable[[str], None]:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(text: str) -> None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            for line in text.splitlines() or [""]:
                if reporter is not None:
                    reporter.write_line(line)
                else:
                    print(line, flush=True)

    return write


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--long"))
