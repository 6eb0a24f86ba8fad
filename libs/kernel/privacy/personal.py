"""Personal data in immutable events: crypto-shredding.

Events that carry personal data keep it in one field, `personal`, next to the
`subject_id` of the person it is about. The store and the wire hold `personal` sealed
with that subject's own data key (AES-256-GCM); the data keys are kept wrapped by a
master key, in a key vault shared by the services (MongoDB collection). Erasing a
subject destroys its data key: every copy of its events, in every store and on every
topic, becomes unreadable, while the events themselves (and the statistics they
carry in the clear) stay. An opened event whose subject was erased has
`personal = None`.

Domain code never sees any of this: it writes and reads `personal` as a plain dict;
the event store seals on append and opens on load, the consumer opens on receipt.

Over 300 lines for a reason: the sealing, the key vault and the erasure are one scheme,
and that an erased subject's data is unreadable everywhere is only seen with them together.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from kernel.eventsourcing.envelope import Envelope

SEAL_PREFIX = "v1."
SEAL_BYTES_PREFIX = b"kb1"
# Events of this kind announce that a subject's key was destroyed.
ERASURE_EVENT_SUFFIX = ".personal_data_erased"
MASTER_KEY_ENV = "DATA_MASTER_KEY"
# Derives the key of subject_hash from a subject's data key (never the data key itself).
SUBJECT_HASH_LABEL = b"kernel.subject_hash"


def lookup_bucket(master_key: bytes, label: str, value: str, digits: int = 3) -> str:
    """A short bucket of a value (the first `digits` hex digits of a keyed hash): stored in
    clear to narrow a lookup by that value to a few candidates, which are then opened with
    their own subjects' keys and compared. 3 digits are 4096 buckets: a bucket names
    nobody, so nothing deterministic of the value outlives its subject's erasure."""
    key = hmac.new(master_key, f"kernel.lookup_bucket:{label}".encode(), hashlib.sha256).digest()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:digits]


class SubjectErased(Exception):
    """New personal data for a subject whose data key was destroyed."""


class UnknownSubject(LookupError):
    """A sealed value for a subject the key vault never knew: the wrong vault."""


def new_master_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def master_key_from_env() -> bytes:
    """The master key from DATA_MASTER_KEY, or the file DATA_MASTER_KEY_FILE names
    (a mounted secret). Without one the service cannot read personal data: it refuses
    to start rather than use a key another process does not have."""
    value = os.environ.get(MASTER_KEY_ENV, "").strip()
    path = os.environ.get(f"{MASTER_KEY_ENV}_FILE", "").strip()
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    if not value:
        raise RuntimeError(
            f"{MASTER_KEY_ENV} (or {MASTER_KEY_ENV}_FILE) must be set: 32 random bytes, base64url; "
            "make one with `python -m kernel.privacy.personal new-key`"
        )
    key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    if len(key) != 32:
        raise RuntimeError(f"{MASTER_KEY_ENV} must decode to 32 bytes, not {len(key)}")
    return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyVault:
    """One data key per subject, stored wrapped by the master key. Erasing replaces the
    key with a tombstone (when and why), so an erased subject is told apart from a
    subject this vault never knew.

    Keys are cached in the process for `cache_ttl_s`: another process notices an
    erasure within that time. Erasures are cached for good."""

    def __init__(
        self,
        collection: Collection,
        master_key: bytes,
        cache_ttl_s: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._keys = collection
        self._master = AESGCM(master_key)
        self._kek_id = hashlib.sha256(master_key).hexdigest()[:12]
        self._ttl = cache_ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()

    def key(self, subject_id: str) -> bytes | None:
        """The subject's data key, or None if it was erased."""
        hit, key = self._cached(subject_id)
        if hit:
            return key
        doc = self._keys.find_one({"_id": subject_id})
        if doc is None:
            raise UnknownSubject(f"no data key for subject {subject_id}")
        return self._remember(subject_id, self._unwrap(doc))

    def key_for_writing(self, subject_id: str) -> bytes:
        """The subject's data key, made on first use (one round trip either way)."""
        hit, key = self._cached(subject_id)
        if not hit:
            key = self._remember(subject_id, self._unwrap(self._create_or_get(subject_id)))
        if key is None:
            raise SubjectErased(f"the personal data of subject {subject_id} was erased")
        return key

    def prefetch(self, subject_ids: Iterable[str]) -> None:
        """Load the keys of many subjects in one round trip (a replay reads thousands of
        subjects; one lookup each would make the vault the bottleneck)."""
        wanted = [s for s in set(subject_ids) if not self._cached(s)[0]]
        for doc in self._keys.find({"_id": {"$in": wanted}}) if wanted else ():
            self._remember(doc["_id"], self._unwrap(doc))

    def all_keys(self) -> dict[str, bytes | None]:
        """Every subject's key in one scan (None for the erased): for a replay of the whole
        store, which reads every subject once."""
        return {doc["_id"]: self._unwrap(doc) for doc in self._keys.find({})}

    def prepare(self, subject_ids: Iterable[str]) -> None:
        """Make the keys of many new subjects at once (an import of historical cases)."""
        wanted = set(subject_ids)
        self.prefetch(wanted)
        missing = [s for s in wanted if not self._cached(s)[0]]
        fresh = [{"_id": s, **self._new_key_doc(s)} for s in missing]
        if fresh:
            try:
                self._keys.insert_many(fresh, ordered=False)
            except BulkWriteError as exc:  # some made meanwhile by another process: theirs count
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
            self.prefetch(missing)

    def erase(self, subject_id: str, reason: str) -> None:
        """Destroy the subject's data key (idempotent)."""
        self._keys.replace_one(
            {"_id": subject_id},
            {"_id": subject_id, "erased_at": self._clock(), "reason": reason},
            upsert=True,
        )
        self._remember(subject_id, None)

    def forget(self, subject_id: str) -> None:
        """Drop the cached key: the next use reads the vault again."""
        with self._lock:
            self._cache.pop(subject_id, None)

    def erased_at(self, subject_id: str) -> datetime | None:
        doc = self._keys.find_one({"_id": subject_id}, {"erased_at": 1})
        return doc.get("erased_at") if doc else None

    def _new_key_doc(self, subject_id: str) -> dict[str, Any]:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        return {
            "wrapped": self._master.encrypt(nonce, key, subject_id.encode()),
            "nonce": nonce,
            "kek": self._kek_id,
            "created_at": self._clock(),
        }

    def _create_or_get(self, subject_id: str) -> dict[str, Any]:
        fresh = self._new_key_doc(subject_id)
        for attempt in range(5):
            try:
                doc = self._keys.find_one_and_update(
                    {"_id": subject_id},
                    {"$setOnInsert": fresh},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:  # two upserts raced: the other one inserted it
                doc = self._keys.find_one({"_id": subject_id})
            if doc is not None:
                return doc
            time.sleep(0.01 * (attempt + 1))  # the racing insert is not visible yet
        raise RuntimeError(f"the key vault neither made nor returned a key for {subject_id}")

    def _unwrap(self, doc: dict[str, Any]) -> bytes | None:
        if "wrapped" not in doc:
            return None
        return self._master.decrypt(doc["nonce"], doc["wrapped"], str(doc["_id"]).encode())

    def _cached(self, subject_id: str) -> tuple[bool, bytes | None]:
        """(True, key) for a key still fresh in the cache, or (True, None) for an erased
        subject; (False, None) when the vault must be asked."""
        with self._lock:
            cached = self._cache.get(subject_id)
        if cached is not None and (cached[0] is None or cached[1] > time.monotonic()):
            return True, cached[0]
        return False, None

    def _remember(self, subject_id: str, key: bytes | None) -> bytes | None:
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[subject_id] = (key, time.monotonic() + self._ttl)
        return key


class InMemoryKeyVault:
    """The key vault for unit tests of domain logic."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}

    def key(self, subject_id: str) -> bytes | None:
        if subject_id not in self.keys:
            raise UnknownSubject(f"no data key for subject {subject_id}")
        return self.keys[subject_id]

    def key_for_writing(self, subject_id: str) -> bytes:
        key = self.keys.setdefault(subject_id, AESGCM.generate_key(bit_length=256))
        if key is None:
            raise SubjectErased(f"the personal data of subject {subject_id} was erased")
        return key

    def erase(self, subject_id: str, reason: str) -> None:
        self.keys[subject_id] = None

    def forget(self, subject_id: str) -> None:
        pass

    def prefetch(self, subject_ids: Iterable[str]) -> None:
        pass

    def all_keys(self) -> dict[str, bytes | None]:
        return dict(self.keys)

    def prepare(self, subject_ids: Iterable[str]) -> None:
        for subject_id in subject_ids:
            self.key_for_writing(subject_id)


class PersonalData:
    """Seals and opens the `personal` field of event data."""

    def __init__(self, vault: KeyVault | InMemoryKeyVault) -> None:
        self.vault = vault
        self._pinned: dict[str, bytes | None] | None = None

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Open a whole store's events with every key loaded once up front (a rebuild).
        An erasure made meanwhile is seen by the next rebuild, as by any other reader
        within the key cache's lifetime."""
        self._pinned = self.vault.all_keys()
        try:
            yield
        finally:
            self._pinned = None

    def _key(self, subject_id: str) -> bytes | None:
        if self._pinned is not None and subject_id in self._pinned:
            return self._pinned[subject_id]
        return self.vault.key(subject_id)

    def seal(self, subject_id: str, fields: dict[str, Any]) -> str:
        key = self.vault.key_for_writing(subject_id)
        nonce = os.urandom(12)
        plain = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        return SEAL_PREFIX + _b64(nonce + AESGCM(key).encrypt(nonce, plain, subject_id.encode()))

    def open(self, subject_id: str, sealed: str) -> dict[str, Any] | None:
        key = self._key(subject_id)
        if key is None:
            return None
        raw = _unb64(sealed.removeprefix(SEAL_PREFIX))
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], subject_id.encode())
        return json.loads(plain)

    def seal_bytes(self, subject_id: str, data: bytes) -> bytes:
        """Raw bytes (a file's content) sealed with the subject's key, as bytes: the nonce
        and the ciphertext after a version prefix, no base64 (a file of megabytes)."""
        key = self.vault.key_for_writing(subject_id)
        nonce = os.urandom(12)
        return SEAL_BYTES_PREFIX + nonce + AESGCM(key).encrypt(nonce, data, subject_id.encode())

    def open_bytes(self, subject_id: str, sealed: bytes) -> bytes | None:
        """The bytes seal_bytes sealed, or None once the subject was erased."""
        key = self._key(subject_id)
        if key is None:
            return None
        if not sealed.startswith(SEAL_BYTES_PREFIX):
            raise ValueError("not sealed by seal_bytes")
        raw = sealed[len(SEAL_BYTES_PREFIX) :]
        return AESGCM(key).decrypt(raw[:12], raw[12:], subject_id.encode())

    def subject_hash(self, subject_id: str, value: str) -> str | None:
        """A keyed hash of one of the subject's values (to find or match them by it), keyed
        with a key derived from the subject's own data key: it dies with the key, so
        after erasure nobody can compute it again or test a guess against it. None once
        the subject was erased."""
        key = self._key(subject_id)
        if key is None:
            return None
        derived = hmac.new(key, SUBJECT_HASH_LABEL, hashlib.sha256).digest()
        return hmac.new(derived, value.encode(), hashlib.sha256).hexdigest()

    def prefetch(self, envelopes: Iterable[Envelope]) -> None:
        """Load the keys the events' personal data is sealed with, in one round trip."""
        if self._pinned is not None:
            return
        self.vault.prefetch(
            e.data["subject_id"] for e in envelopes if isinstance(e.data.get("personal"), str)
        )

    def seal_event(self, envelope: Envelope) -> Envelope:
        personal = envelope.data.get("personal")
        if not isinstance(personal, dict):
            return envelope
        sealed = self.seal(envelope.data["subject_id"], personal)
        return replace(envelope, data={**envelope.data, "personal": sealed})

    def open_event(self, envelope: Envelope) -> Envelope:
        if envelope.type.endswith(ERASURE_EVENT_SUFFIX):
            # Another process destroyed the key: stop using a cached copy right now.
            self.vault.forget(envelope.data["subject_id"])
        personal = envelope.data.get("personal")
        if not isinstance(personal, str):
            return envelope
        opened = self.open(envelope.data["subject_id"], personal)
        return replace(envelope, data={**envelope.data, "personal": opened})


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["new-key"]:
        print(new_master_key())
    else:
        sys.exit("usage: python -m kernel.privacy.personal new-key")
