"""The whole system on one machine: embedded servers (unless the environment names real
ones) and every service process under honcho, as the run command, the end-to-end tests
and the benchmark start it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

from devstack.infra import BIN, Infra
from devstack.ports import free_port
from kernel.personal import new_master_key
from kernel.settings import REPO_ROOT, SERVICES


@dataclass
class Stack:
    data_dir: Path
    infra: Infra | None = None
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    extra_env: dict[str, str] = field(default_factory=dict)
    owns_infra: bool = True  # False: the servers are shared (tests) and outlive this stack
    honcho: subprocess.Popen | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.infra is None:
            self.infra = Infra(self.data_dir)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self) -> dict[str, str]:
        assert self.infra is not None
        env = {**os.environ, **self.infra.env(), **self.extra_env}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("INTAKE_PUBLIC_URL", self.url("intake"))
        env.setdefault("DESK_PUBLIC_URL", self.url("business_desk"))
        env.setdefault("NOTIFY_URL", self.url("notify"))
        env.setdefault("DESK_URL", self.url("business_desk"))
        env.setdefault("INTAKE_URL", self.url("intake"))
        env.setdefault("VOUCHERS_PUBLIC_URL", self.url("vouchers"))
        env.setdefault("SECRET_KEY", self.secret_key)
        env.setdefault("LOG_FORMAT", "text")  # a person reads these; deployments log JSON
        env.setdefault("COOKIE_SECURE", "0")  # plain http on the loopback interface
        if not env.get("DATA_MASTER_KEY") and not env.get("DATA_MASTER_KEY_FILE"):
            env["DATA_MASTER_KEY_FILE"] = str(self.master_key_file())
        for service, port in self.ports.items():
            env[f"{service.upper()}_PORT"] = str(port)
        return env

    def master_key_file(self) -> Path:
        """The key that wraps personal data keys: kept with the data it protects, so a
        restarted stack still reads its own cases."""
        path = self.data_dir / "secrets" / "data-master-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(new_master_key() + "\n", encoding="utf-8")
        return path

    def start(self, output: IO[bytes] | None = None, timeout_s: float = 60.0) -> Stack:
        assert self.infra is not None
        self.infra.start()
        if output is None:
            log_path = self.data_dir / "logs" / "services.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            output = log_path.open("ab")
        self.honcho = subprocess.Popen(
            [
                str(BIN / "honcho"),
                "--no-colour",
                "-f",
                str(REPO_ROOT / "Procfile"),
                "-d",
                str(REPO_ROOT),
                "start",
            ],
            env=self.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=output is not sys.stdout,
        )
        try:
            self.wait_ready(timeout_s)
        except Exception:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for service in SERVICES:
            while True:
                if self.honcho is not None and self.honcho.poll() is not None:
                    raise RuntimeError("the service processes exited; see the services log")
                try:
                    if requests.get(f"{self.url(service)}/readyz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} was not ready within {timeout_s:.0f}s")
                time.sleep(0.2)

    def stop_services(self, timeout_s: float = 20.0) -> None:
        if self.honcho is None or self.honcho.poll() is not None:
            return
        self.honcho.send_signal(signal.SIGTERM)
        try:
            self.honcho.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.honcho.pid, signal.SIGKILL)
            self.honcho.wait(5)

    def stop(self) -> None:
        self.stop_services()
        if self.infra is not None and self.owns_infra:
            self.infra.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
