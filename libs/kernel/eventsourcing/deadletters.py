"""Dead letters: what could not be processed or published, with the reason, on
`<topic>.dlq`. A dead letter fits in a Kafka message whatever came in: the reason and
the original are cut to a bound (the original stays whole where it came from)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

MAX_REASON_CHARS = 2_000
MAX_ORIGINAL_BYTES = 256_000


def reason_of(text: str) -> str:
    return text[:MAX_REASON_CHARS]


def dead_letter(raw: bytes, reason: str, **where: Any) -> bytes:
    """The dead-letter record: the reason, where the message was (`where`), when, and
    the original (decoded leniently, cut to MAX_ORIGINAL_BYTES)."""
    record: dict[str, Any] = {
        "reason": reason_of(reason),
        **where,
        "failed_at": datetime.now(UTC).isoformat(),
        "original": raw[:MAX_ORIGINAL_BYTES].decode("utf-8", errors="replace"),
        "original_bytes": len(raw),
        "original_truncated": len(raw) > MAX_ORIGINAL_BYTES,
    }
    return json.dumps(record, ensure_ascii=False).encode()


def topic_of(topic: str) -> str:
    return f"{topic}.dlq"
