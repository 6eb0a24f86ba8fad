"""Publishers for the relay and for dead letters."""

from __future__ import annotations

from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata


class KafkaPublisher:
    def __init__(self, producer: KafkaProducer, timeout_s: float = 15.0) -> None:
        self._producer = producer
        self._pending: list[FutureRecordMetadata] = []
        self._timeout_s = timeout_s

    def publish(self, topic: str, key: str, value: bytes) -> None:
        self._pending.append(self._producer.send(topic, key=key.encode(), value=value))

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        self._producer.flush(timeout=self._timeout_s)
        for future in pending:
            future.get(timeout=self._timeout_s)  # raises the send's error, if any

    def close(self) -> None:
        self._producer.close(timeout=5)


class InMemoryPublisher:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str, bytes]] = []

    def publish(self, topic: str, key: str, value: bytes) -> None:
        self.messages.append((topic, key, value))

    def flush(self) -> None:
        pass
