"""What a consumer group looks like from the broker (members and their partitions), and
one more instance of a service's consumer, run beside the ones the stack runs."""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from devstack.infra import Process
from devstack.ports import free_port
from devstack.procfile import read_procfile
from kernel.platform.settings import REPO_ROOT


class GroupWatch:
    """Asks the group coordinator who is in a group (DescribeGroups, Kafka 0.9+)."""

    def __init__(self, bootstrap: str, api_version: tuple[int, ...] | None) -> None:
        self._bootstrap, self._api_version = bootstrap, api_version
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=api_version)

    def members(self, group: str) -> list[list[int]] | None:
        """Each member's partition count per topic, or None while the group rebalances."""
        described = self._admin.describe_groups([group])[group]
        if described["group_state"] != "Stable":
            return None
        return [
            [len(t["partitions"]) for t in m["member_assignment"]["assigned_partitions"]]
            for m in described["members"]
        ]

    def wait_for_members(self, group: str, count: int, timeout_s: float) -> float:
        """Seconds until the group is stable with `count` members, each owning partitions."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            try:
                members = self.members(group)
            except Exception:  # the coordinator is moving or loading: ask again
                members = None
            if members is not None and len(members) == count and all(sum(m) > 0 for m in members):
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"group {group} did not settle with {count} members in {timeout_s:.0f}s")

    def lag(self, group: str) -> dict[str, int]:
        """Per partition of the topics the group's members subscribe to: how many
        messages the group has not committed yet."""
        described = self._admin.describe_groups([group])[group]
        topics = {t for m in described["members"] for t in m["member_metadata"]["topics"]}
        reader = KafkaConsumer(
            bootstrap_servers=self._bootstrap, api_version=self._api_version, group_id=group
        )
        try:
            partitions = [
                TopicPartition(t, p) for t in sorted(topics) for p in reader.partitions_for_topic(t) or ()
            ]
            ends = reader.end_offsets(partitions)
            behind = {
                f"{tp.topic}[{tp.partition}]": ends[tp] - (reader.committed(tp) or 0) for tp in partitions
            }
            return {name: count for name, count in behind.items() if count}
        finally:
            reader.close(autocommit=False)

    def close(self) -> None:
        self._admin.close()


def procfile_command(name: str) -> list[str]:
    """The Procfile's command of process `name` as an argument list, run by this Python."""
    command = shlex.split(read_procfile(REPO_ROOT / "Procfile")[name])
    command = command[1:] if command[0] == "exec" else command
    if command[0] != "python":
        raise ValueError(f"{name}: not a Python process: {command}")
    return [sys.executable, *command[1:]]


@dataclass
class ConsumerInstance:
    """The service's consumer as the Procfile runs it (its `<service>_consumer` line:
    `python -m kernel.platform.run <service> consumer`, or the service's own module while
    it has no declaration), with its own metrics port (open once it has started)."""

    service: str
    env: dict[str, str]
    log_dir: Path
    starts: int = 0
    process: Process | None = field(default=None, init=False)

    def start(self) -> None:
        port = free_port()
        self.starts += 1
        self.process = Process(
            f"{self.service}-consumer-2",
            procfile_command(f"{self.service}_consumer"),
            port,
            self.log_dir / f"{self.service}-consumer-2.log",
        )
        self.process.start({**self.env, "METRICS_PORT": str(port)}, timeout_s=60)

    def kill(self) -> None:
        assert self.process is not None and self.process.running
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
