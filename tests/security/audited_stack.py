"""A stack on servers of its own for the erasure audit, so that "every database on the
store" and "every topic" mean exactly that, with nothing of other tests in them; the
housekeeping jobs run as their own processes on a later day; and the audit's verdict."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import requests

from conftest import Tokens
from devstack.infra import Infra
from devstack.stack import Stack
from kernel.platform.settings import REPO_ROOT
from tests.security.erasure_audit import audit_stack


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("audited")
    running = Stack(
        data,
        infra=Infra(data / "infra", mongo_in_memory=True),
        owns_infra=True,
        extra_env={"ACCESS_LOG": "-", "LOG_FORMAT": "json"},  # logging as deployed (deploy/k8s)
    ).start(timeout_s=120)  # two stores, two brokers: a busy machine starts them slowly
    yield running
    running.stop()


@pytest.fixture(scope="module")
def own_tokens(own_stack: Stack) -> Tokens:
    assert own_stack.infra is not None
    return Tokens(own_stack.infra.oidc_issuer, own_stack.infra.service_client_secret)


class Jobs:
    """The stack's housekeeping entrypoints, each run once as its own process on a given
    day (tests.security.run_later), their output kept with the logs the audit reads."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.log = stack.data_dir / "logs" / "jobs.log"

    def run(self, process: str, on: date) -> None:
        """`process`: "<service> <job>" (the kernel's runner) or the job's own module."""
        module = ["kernel.platform.run", *process.split()] if " " in process else [process]
        command = [sys.executable, "-m", "tests.security.run_later", on.isoformat(), *module, "--once"]
        with self.log.open("ab") as out:
            done = subprocess.run(
                command,
                env=self.stack.env(),
                cwd=REPO_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
            )
        assert done.returncode == 0, self.log.read_text(errors="replace")[-3000:]

    @property
    def logs(self) -> list[Path]:
        return [*self.stack.service_logs(), self.log]


def audited_clean(
    stack: Stack, values: dict[str, str], logs: list[Path], control: dict[str, str], settle_s: float = 30.0
) -> None:
    """The audit finds none of `values`, once the erasure has reached every consumer (it
    travels by Kafka: give it `settle_s`). The same audit does find `control`, a value
    of the same story that is meant to stay (an id): it read where the story went."""
    found = audit_stack(stack.env(), control, logs)
    places = {f.where.split(" ")[0] for f in found.findings} | {
        f.where.split(" ")[1] for f in found.findings if f.where.startswith("mongo local.oplog.rs")
    }
    assert {"mongo", "local.oplog.rs", "kafka", "log"} <= places, found.report()
    deadline = time.monotonic() + settle_s
    while True:
        audit = audit_stack(stack.env(), values, logs)
        if not audit.findings or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert not audit.findings, audit.report()


def api(base: str, auth: dict[str, str]) -> Callable[..., requests.Response]:
    def call(method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{base}{path}", headers=auth, timeout=10, **kwargs)  # type: ignore[arg-type]

    return call
