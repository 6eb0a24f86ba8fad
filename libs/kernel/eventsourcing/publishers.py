"""Publishers for the relay and for dead letters."""

from __future__ import annotations

from collections.abc import Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.producer.future import FutureRecordMetadata

from kernel.eventsourcing.acknowledged import Delivered, Partition


class KafkaPublisher:
    def __init__(self, producer: KafkaProducer, timeout_s: float = 15.0) -> None:
        self._producer = producer
        self._pending: list[FutureRecordMetadata] = []
        self._timeout_s = timeout_s
        self._offsets: KafkaConsumer | None = None  # reads end offsets; made when first asked

    def publish(self, topic: str, key: str, value: bytes) -> None:
        self._pending.append(self._producer.send(topic, key=key.encode(), value=value))

    def flush(self) -> list[Delivered]:
        """Where each message published since the last flush went, in publish order."""
        pending, self._pending = self._pending, []
        self._producer.flush(timeout=self._timeout_s)
        delivered = []
        for future in pending:
            metadata = future.get(timeout=self._timeout_s)  # raises the send's error, if any
            delivered.append(Delivered(metadata.topic, metadata.partition, metadata.offset))
        return delivered

    def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]:
        """The offset each partition will give its next message."""
        if self._offsets is None:
            config = self._producer.config
            self._offsets = KafkaConsumer(
                bootstrap_servers=config["bootstrap_servers"],
                client_id=f"{config['client_id']}-offsets",
                api_version=config.get("api_version"),
                enable_auto_commit=False,
                request_timeout_ms=int(self._timeout_s * 1000) + 1,
            )
        ends = self._offsets.end_offsets([TopicPartition(t, p) for t, p in partitions])
        return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}

    def close(self) -> None:
        self._producer.close(timeout=5)
        if self._offsets is not None:
            self._offsets.close()


class InMemoryPublisher:
    """Keeps what is published; gives each topic's messages growing offsets (one partition)
    and can lose the last ones as a broker that lost its tail would."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, bytes]] = []
        self._unflushed: list[tuple[str, str, bytes]] = []
        self._ends: dict[str, int] = {}

    def publish(self, topic: str, key: str, value: bytes) -> None:
        message = (topic, key, value)
        self.messages.append(message)
        self._unflushed.append(message)

    def flush(self) -> list[Delivered]:
        fresh, self._unflushed = self._unflushed, []
        delivered = []
        for topic, _, _ in fresh:
            offset = self._ends.get(topic, 0)
            self._ends[topic] = offset + 1
            delivered.append(Delivered(topic, 0, offset))
        return delivered

    def refuse_unflushed(self) -> None:
        """The broker acknowledges none of what was published since the last flush."""
        refused = {id(m) for m in self._unflushed}
        self.messages = [m for m in self.messages if id(m) not in refused]
        self._unflushed = []

    def end_offsets(self, partitions: Sequence[Partition]) -> dict[Partition, int]:
        return {(topic, partition): self._ends.get(topic, 0) for topic, partition in partitions}

    def lose_tail(self, topic: str, count: int) -> None:
        """Forget the topic's last `count` acknowledged messages and give their offsets out again."""
        mine = [i for i, m in enumerate(self.messages) if m[0] == topic]
        lost = set(mine[-count:]) if count else set()
        self.messages = [m for i, m in enumerate(self.messages) if i not in lost]
        self._ends[topic] = max(self._ends.get(topic, 0) - len(lost), 0)
