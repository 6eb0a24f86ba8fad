"""The embedded Kafka-protocol broker (noida-db), MongoDB-protocol store (SecantusDB)
and SMTP sink (aiosmtpd), each a separate process bound to 127.0.0.1.
See ../shared/design/INFRA.md for why these and their limits."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from devstack import SERVICES
from devstack.ports import free_port, wait_until_closed, wait_until_open
from kernel.platform.settings import REPO_ROOT, api_audience

BIN = Path(sys.executable).parent
OIDC_SERVER = REPO_ROOT / ".local" / "dev-oidc" / "server.mjs"  # installed by scripts/bootstrap.sh


def noida_binary() -> Path:
    # The `noida-db` entry point starts this binary as a child and does not pass
    # SIGTERM on, so we run the binary itself and stop it directly.
    import noida_db

    return Path(noida_db.__file__).parent / "noida-db"


@dataclass
class Process:
    name: str
    argv: list[str]
    port: int
    log_path: Path
    popen: subprocess.Popen | None = None
    also_ports: tuple[int, ...] = ()  # other ports it serves, open before it counts as started

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self, env: dict[str, str] | None = None, timeout_s: float = 30.0) -> None:
        if self.running:
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        try:
            for port in (self.port, *self.also_ports):
                wait_until_open(port, timeout_s, self.name)
        except TimeoutError:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} did not start:\n{tail}") from None

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        wait_until_closed(self.port, 5)

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(5)


def store_process(port: int, storage_path: str, log_path: Path, durable_commits: bool = True) -> Process:
    """The MongoDB-protocol store (SecantusDB) on `storage_path` (":memory:" or a folder);
    on disk with --sync-on-commit unless `durable_commits` is False (see Infra)."""
    argv = [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--storage-path", storage_path, "--log-level", "WARNING"]
    if durable_commits and storage_path != ":memory:":
        argv.append("--sync-on-commit")
    return Process("mongo", argv, port, log_path)


def oidc_provider_env(port: int, service_client_secret: str, jwks_file: Path | None = None) -> dict[str, str]:
    """The development OpenID provider's environment (deploy/dev-oidc/server.mjs): its
    port, the services' client secret and audiences, and optionally its signing keys."""
    env = {
        **os.environ,
        "PORT": str(port),
        "SERVICE_CLIENT_SECRET": service_client_secret,
        "API_AUDIENCES": " ".join(api_audience(service) for service in SERVICES),
    }
    if jwks_file is not None:
        env["JWKS_FILE"] = str(jwks_file)
    return env


@dataclass
class Infra:
    """Whichever of the servers (store, broker, SMTP sink, OpenID provider) the
    environment does not already provide."""

    data_dir: Path
    mongo_port: int = field(default_factory=free_port)
    kafka_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    mail_http_port: int = field(default_factory=free_port)
    oidc_port: int = field(default_factory=free_port)
    service_client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    mongo_in_memory: bool = False
    # On disk, SecantusDB commits a multi-document transaction into WiredTiger's log
    # buffer without syncing it, whatever the commit's write concern says (j=true is
    # honoured only by single writes), and acknowledges it: a SIGKILL then loses the last
    # acknowledged transactions. --sync-on-commit makes every commit write and fsync the
    # log first. False only to measure what that costs (bench/store_durability.py).
    mongo_durable_commits: bool = True
    processes: dict[str, Process] = field(default_factory=dict)
    external: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        logs = self.data_dir / "logs"
        self.processes = {
            "mongo": store_process(
                self.mongo_port,
                ":memory:" if self.mongo_in_memory else str(self.data_dir / "mongo"),
                logs / "mongo.log",
                durable_commits=self.mongo_durable_commits,
            ),
            "kafka": Process(
                "kafka",
                [
                    str(noida_binary()),
                    "start",
                    "--data-dir",
                    str(self.data_dir / "kafka"),
                    "--host",
                    "127.0.0.1",
                    "--only",
                    "kafka",
                    "--kafka-port",
                    str(self.kafka_port),
                ],
                self.kafka_port,
                logs / "kafka.log",
            ),
            "smtp": Process(
                "smtp",
                [
                    sys.executable,
                    "-m",
                    "devstack.mailsink",
                    "--smtp-port",
                    str(self.smtp_port),
                    "--http-port",
                    str(self.mail_http_port),
                    "--maildir",
                    str(self.data_dir / "mail"),
                ],
                self.smtp_port,
                logs / "smtp.log",
                also_ports=(self.mail_http_port,),
            ),
            "oidc": Process(
                "oidc",
                ["node", str(OIDC_SERVER)],
                self.oidc_port,
                logs / "oidc.log",
            ),
        }
        if os.environ.get("MONGODB_URI"):
            self.external["mongo"] = os.environ["MONGODB_URI"]
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            self.external["kafka"] = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        if os.environ.get("SMTP_HOST"):
            self.external["smtp"] = os.environ["SMTP_HOST"]
        if os.environ.get("OIDC_ISSUER"):
            self.external["oidc"] = os.environ["OIDC_ISSUER"]
            self.service_client_secret = os.environ.get("SERVICE_CLIENT_SECRET", "")

    @property
    def mongodb_uri(self) -> str:
        return self.external.get("mongo") or f"mongodb://127.0.0.1:{self.mongo_port}/?replicaSet=secantus"

    @property
    def kafka_bootstrap(self) -> str:
        return self.external.get("kafka") or f"127.0.0.1:{self.kafka_port}"

    @property
    def oidc_issuer(self) -> str:
        return self.external.get("oidc") or f"http://127.0.0.1:{self.oidc_port}"

    @property
    def mail_url(self) -> str | None:
        return None if "smtp" in self.external else f"http://127.0.0.1:{self.mail_http_port}"

    def env(self) -> dict[str, str]:
        """What the services need to reach these servers."""
        env = {
            "MONGODB_URI": self.mongodb_uri,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "OIDC_ISSUER": self.oidc_issuer,
            "SERVICE_CLIENT_SECRET": self.service_client_secret,
        }
        if "smtp" in self.external:
            env["SMTP_HOST"] = self.external["smtp"]
            env["SMTP_PORT"] = os.environ.get("SMTP_PORT", "25")
        else:
            env["SMTP_HOST"] = "127.0.0.1"
            env["SMTP_PORT"] = str(self.smtp_port)
        return env

    def _process_env(self, name: str) -> dict[str, str] | None:
        if name != "oidc":
            return None
        return oidc_provider_env(self.oidc_port, self.service_client_secret)

    def start(self) -> Infra:
        for name, process in self.processes.items():
            if name not in self.external:
                process.start(self._process_env(name))
        return self

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.stop()

    def stop_server(self, name: str) -> None:
        """Stop one of the servers (fault tests); start_server brings it back on its port."""
        self.processes[name].stop()

    def start_server(self, name: str) -> None:
        self.processes[name].start(self._process_env(name))

    def __enter__(self) -> Infra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
