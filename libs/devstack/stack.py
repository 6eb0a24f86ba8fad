"""The whole system on one machine: embedded servers (unless the environment names real
ones) and every service process of the Procfile under supervisor, as the run command, the
end-to-end and fault tests and the benchmark start it. A process that exits is restarted
(devstack.supervisor); each logs to <data_dir>/logs/<process>.log."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

from devstack import SERVICES, procs
from devstack.infra import BIN, Infra
from devstack.ports import free_port
from devstack.procfile import read_procfile
from devstack.supervisor import RestartPolicy, Supervisor
from kernel.platform.settings import REPO_ROOT
from kernel.privacy.personal import new_master_key


@dataclass
class Stack:
    data_dir: Path
    infra: Infra | None = None
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    extra_env: dict[str, str] = field(default_factory=dict)
    owns_infra: bool = True  # False: the servers are shared (tests) and outlive this stack
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    restart_policy: RestartPolicy = field(default_factory=RestartPolicy)
    supervisor: Supervisor | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.infra is None:
            self.infra = Infra(self.data_dir)

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    @property
    def processes(self) -> list[str]:
        """The long-running processes, by their Procfile names."""
        return list(read_procfile(REPO_ROOT / "Procfile"))

    @property
    def supervisor_config(self) -> Path:
        """The supervisord config generated from the Procfile (for supervisorctl -c)."""
        return self.data_dir / "supervisor" / "supervisord.conf"

    def log_path(self, process: str) -> Path:
        return self.logs / f"{process}.log"

    def service_logs(self, prefix: str = "") -> list[Path]:
        """The log files of the processes whose name starts with `prefix` (all by default)."""
        paths = (self.log_path(name) for name in self.processes if name.startswith(prefix))
        return [path for path in paths if path.exists()]

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

    def start(self, output: IO[bytes] | None = None, timeout_s: float = 120.0) -> Stack:
        """Start the servers and every process; `output` gets supervisor's own lines
        (which process started, exited, was restarted), e.g. the run command's terminal."""
        assert self.infra is not None
        self.infra.start()
        self.supervisor = Supervisor(
            read_procfile(REPO_ROOT / "Procfile"),
            run_dir=self.supervisor_config.parent,
            logs=self.logs,
            directory=REPO_ROOT,
            policy=self.restart_policy,
        )
        try:
            # in a terminal, Ctrl-C reaches supervisord too; elsewhere only stop() stops it
            self.supervisor.start(self.env(), output, new_session=output is not sys.stdout.buffer)
            self.wait_ready(timeout_s)
        except Exception:
            self.stop()
            raise
        return self

    @property
    def running(self) -> bool:
        """Whether supervisord (and so the processes it keeps up) is still there."""
        return self.supervisor is not None and self.supervisor.running

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for service in SERVICES:
            while True:
                if not self.running:
                    raise RuntimeError(f"supervisord exited; see {self.logs / 'supervisord.log'}")
                try:
                    if requests.get(f"{self.url(service)}/readyz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} was not ready within {timeout_s:.0f}s: {self.states()}")
                time.sleep(0.2)

    def states(self) -> dict[str, str]:
        """Each process's state as supervisor sees it (RUNNING, BACKOFF, ...)."""
        assert self.supervisor is not None
        return {info["name"]: info["statename"] for info in self.supervisor.infos()}

    def pid(self, process: str) -> int:
        """The PID of a Procfile process (a web server's: its master's)."""
        assert self.supervisor is not None
        return self.supervisor.pid(process)

    def worker_pids(self, process: str) -> list[int]:
        """A web server's worker processes (gunicorn's master forks them and replaces
        one that dies, without supervisor)."""
        return procs.children_of(self.pid(process))

    def kill(self, process: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Kill a Procfile process as a crash would (SIGKILL by default); returns its
        PID. Supervisor restarts it: wait_restarted waits for that."""
        assert self.supervisor is not None
        return self.supervisor.kill(process, sig)

    def wait_restarted(self, process: str, old_pid: int, timeout_s: float = 60.0) -> int:
        """Wait until the process runs again under a new PID; returns it."""
        assert self.supervisor is not None
        return self.supervisor.wait_restarted(process, old_pid, timeout_s)

    def leftovers(self) -> list[int]:
        """PIDs of anything the processes started that still runs (after stop(): none)."""
        return self.supervisor.leftovers() if self.supervisor is not None else []

    def stop_services(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()

    def stop(self) -> None:
        self.stop_services()
        if self.infra is not None and self.owns_infra:
            self.infra.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
