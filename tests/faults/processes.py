"""Some of the system's real processes, each started alone from its Procfile line with the
run command's environment (devstack.stack.Stack.env) and its own metrics port, so a test
can ask each one's /readyz, read its log, and see that it is still alive."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from devstack.ports import free_port, wait_until_open
from kernel.platform.settings import REPO_ROOT


def procfile() -> dict[str, str]:
    lines = (REPO_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


@dataclass
class Process:
    name: str  # its Procfile name
    env: dict[str, str]
    log_path: Path
    web_port: int | None = None  # a web process answers /readyz on its own port
    metrics_port: int = field(default_factory=free_port)
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        # Picked now, not when the Process was made: meanwhile another process's outgoing
        # connection may take a port that was free then (seen: Errno 98 in a full run).
        self.metrics_port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                ["bash", "-c", procfile()[self.name]],
                env={**self.env, "METRICS_PORT": str(self.metrics_port)},
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def readyz_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port or self.metrics_port}/readyz"

    def readyz(self) -> tuple[int, dict]:
        """The status and body of /readyz; (0, {}) while it does not answer."""
        try:
            response = requests.get(self.readyz_url, timeout=5)
        except requests.RequestException:
            return 0, {}
        return response.status_code, response.json()

    def wait_ready(self, timeout_s: float = 60) -> None:
        wait_until_open(self.web_port or self.metrics_port, timeout_s, self.name)
        deadline = time.monotonic() + timeout_s
        while self.readyz()[0] != 200:
            assert self.alive, f"{self.name} exited:\n{self.log()[-3000:]}"
            assert time.monotonic() < deadline, f"{self.name} not ready: {self.readyz()}"
            time.sleep(0.2)

    def metric(self, name: str, **labels: str) -> float:
        """A sample from the process's /metrics (0 when it has none yet)."""
        text = requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            metric, _, rest = sample.partition("{")
            if metric == name and ",".join(sorted(rest.rstrip("}").split(","))) == wanted:
                return float(value)
        return 0.0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def lines(self, pattern: str) -> list[str]:
        return [line for line in self.log().splitlines() if re.search(pattern, line)]

    def stop(self, timeout_s: float = 20) -> int | None:
        """SIGTERM (the only way a worker ends), then its exit status."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode
