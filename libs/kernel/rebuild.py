"""Rebuilding a read model in place, safely on a live system, and idempotently.

The documents are rebuilt a chunk of keys at a time, each chunk in one transaction that
reads the chunk's sources (events, kept consumed events) and its live documents from one
snapshot, folds the sources, and writes only the documents that differ. A writer that
changes one of those documents meanwhile conflicts with the chunk's transaction, and one
of the two is retried on top of the other: nothing applied incrementally is lost, and
readers never see a half-built collection (no drop, no swap). Run twice, the second run
writes nothing. Sealed fields are compared opened (a seal is random each time).

The summary (`Summary.as_dict()`) says how many documents were looked at, rewritten
(they differed: a rule changed, or the incremental path had a bug) and removed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from pymongo import DeleteOne, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.mongo_client import MongoClient

from kernel.personal import PersonalData

Doc = dict[str, Any]


class Unreproducible:
    """What a model answers for a document its sources cannot reproduce."""


UNREPRODUCIBLE = Unreproducible()


@dataclass
class Summary:
    model: str
    documents: int = 0  # keys looked at
    changed: int = 0  # documents written because the rebuild differs from what was there
    removed: int = 0  # documents that no source supports any more
    unreproducible: int = 0  # left as they were: their sources are incomplete (see the model)
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Model(Protocol):
    """One read model, as the chunked rebuild sees it."""

    name: str
    collection: Collection

    def keys(self) -> Iterable[str]:
        """Every key the sources or the live collection know (read outside a transaction):
        document ids, or what a model chunks by (see `live`)."""

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        """The documents as stored (sealed), folded from the sources read in `session`;
        None for a key that should have no document; UNREPRODUCIBLE for one whose live
        document took effects the sources no longer hold (left as it is)."""

    def comparable(self, stored: Doc) -> Doc:
        """A stored document in the form to compare (sealed fields opened)."""


OnChange = Callable[[Doc | None, Doc | None, ClientSession], None]


def live_by_id(model: Model, keys: list[str], session: ClientSession) -> dict[str, Doc]:
    """The live documents of a chunk whose keys are document ids. A model that chunks by
    something else (a data subject) has a `live(keys, session)` of its own."""
    return {d["_id"]: d for d in model.collection.find({"_id": {"$in": keys}}, session=session)}


def rebuild_model(
    client: MongoClient,
    model: Model,
    chunk_size: int = 200,
    on_change: OnChange | None = None,
) -> Summary:
    """Rebuild `model` chunk by chunk (see the module's docstring). `on_change(before,
    after, session)` keeps something in step with each rewritten document (the figures)."""
    summary = Summary(model.name)
    started = time.perf_counter()
    for chunk in chunked(sorted(set(model.keys())), chunk_size):
        changed, removed, unreproducible = _rebuild_chunk(client, model, chunk, on_change)
        summary.documents += len(chunk)
        summary.changed += changed
        summary.removed += removed
        summary.unreproducible += unreproducible
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _rebuild_chunk(
    client: MongoClient, model: Model, keys: list[str], on_change: OnChange | None
) -> tuple[int, int, int]:
    def transaction(session: ClientSession) -> tuple[int, int, int]:
        live_of = getattr(model, "live", None)
        live = live_of(keys, session) if live_of else live_by_id(model, keys, session)
        wanted = model.rebuilt(keys, live, session)
        writes: list[ReplaceOne | DeleteOne] = []
        changed = removed = unreproducible = 0
        for key in sorted(live.keys() | wanted.keys()):
            before, after = live.get(key), wanted.get(key)
            if isinstance(after, Unreproducible):
                unreproducible += 1
                continue
            if after is None:
                if before is not None:
                    writes.append(DeleteOne({"_id": key}))
                    removed += 1
                    if on_change:
                        on_change(before, None, session)
                continue
            if before is not None and model.comparable(before) == model.comparable(after):
                continue
            writes.append(ReplaceOne({"_id": key}, after, upsert=True))
            changed += 1
            if on_change:
                on_change(before, after, session)
        if writes:
            model.collection.bulk_write(writes, ordered=True, session=session)
        return changed, removed, unreproducible

    with client.start_session() as session:
        return session.with_transaction(transaction)


def chunked(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def opened(
    stored: Doc, personal: PersonalData, sealed_fields: Iterable[str], subject: str = "subject_id"
) -> Doc:
    """The document with its sealed fields opened (None once the subject was erased):
    two seals of the same values differ, their openings do not."""
    doc = dict(stored)
    for name in sealed_fields:
        value = doc.get(name)
        if isinstance(value, str) and doc.get(subject):
            doc[name] = personal.open(doc[subject], value)
    return doc
