"""Rebuilding a read model in place, safely on a live system, and idempotently.

The documents are rebuilt a chunk of keys at a time, each chunk in one transaction that
reads the chunk's sources (events, kept consumed events) and its live documents from one
snapshot, folds the sources, and writes only the documents that differ. A writer that
changes one of those documents meanwhile conflicts with the chunk's transaction, and one
of the two is retried on top of the other: nothing applied incrementally is lost, and
readers never see a half-built collection (no drop, no swap). A document first written
after the keys were listed is left to the incremental path, which a rebuild equals. Run
twice, the second run writes nothing. Sealed fields are compared opened (a seal is random
each time).

The summary (`Summary.as_dict()`) says how many documents were looked at, rewritten
(they differed: a rule changed, or the incremental path had a bug) and removed."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from pymongo import DeleteOne, ReplaceOne
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.mongo_client import MongoClient

from kernel.eventsourcing.transactions import run_in_transaction
from kernel.platform.connections import service_database
from kernel.platform.dependencies import dependency_of, reason_of
from kernel.platform.settings import Settings
from kernel.privacy.personal import PersonalData

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


class KeptModel(Model, Protocol):
    """A model folded (also) from the events its service's consumer kept
    (kernel.eventsourcing.consumed)."""

    def unkept(self) -> int:
        """How many events were consumed before consumed events were kept."""


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
    check: bool = False,
) -> Summary:
    """Rebuild `model` chunk by chunk (see the module's docstring). `on_change(before,
    after, session)` keeps something in step with each rewritten document (the figures).
    `check`: write nothing, only count (and name, in `details["differing"]`, up to
    MAX_NAMED of) the documents a rebuild would change or remove."""
    summary = Summary(model.name)
    started = time.perf_counter()
    differing: list[str] = []
    for chunk in chunked(sorted(set(model.keys())), chunk_size):
        changed, removed, unreproducible = _rebuild_chunk(client, model, chunk, on_change, check, differing)
        summary.documents += len(chunk)
        summary.changed += changed
        summary.removed += removed
        summary.unreproducible += unreproducible
    if check:
        summary.details["differing"] = differing[:MAX_NAMED]
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


MAX_NAMED = 20


def kept_model_rebuild(
    service: str, model_of: Callable[[Database, Any], KeptModel]
) -> Callable[..., dict[str, Any]]:
    """`rebuild(settings, db=None, check=False)` of a service whose one read model is
    `model_of(db, settings)`, on `db` (None: the database the settings name): the
    summary of the model, which also counts the events consumed before events were kept."""

    def rebuild(settings: Any, db: Database | None = None, check: bool = False) -> dict[str, Any]:
        db = service_database(settings, db)
        model = model_of(db, settings)
        summary = rebuild_model(db.client, model, check=check)
        summary.details["consumed_without_kept_event"] = model.unkept()
        return {"service": service, "models": [summary.as_dict()]}

    return rebuild


def _rebuild_chunk(
    client: MongoClient,
    model: Model,
    keys: list[str],
    on_change: OnChange | None,
    check: bool,
    differing: list[str],
) -> tuple[int, int, int]:
    def transaction(session: ClientSession) -> tuple[list[str], list[str], int]:
        live_of = getattr(model, "live", None)
        live = live_of(keys, session) if live_of else live_by_id(model, keys, session)
        wanted = model.rebuilt(keys, live, session)
        writes: list[ReplaceOne | DeleteOne] = []
        changed: list[str] = []
        removed: list[str] = []
        unreproducible = 0
        for key in sorted(live.keys() | wanted.keys()):
            before, after = live.get(key), wanted.get(key)
            if isinstance(after, Unreproducible):
                unreproducible += 1
            elif after is None:
                if before is not None:
                    writes.append(DeleteOne({"_id": key}))
                    removed.append(key)
                    if on_change and not check:
                        on_change(before, None, session)
            elif before is None or model.comparable(before) != model.comparable(after):
                writes.append(ReplaceOne({"_id": key}, after, upsert=True))
                changed.append(key)
                if on_change and not check:
                    on_change(before, after, session)
        if writes and not check:
            model.collection.bulk_write(writes, ordered=True, session=session)
        return changed, removed, unreproducible

    # an outage ends the rebuild at once (pymongo's with_transaction would retry the
    # chunk for up to 120 s); a write conflict with a live writer is still retried
    changed, removed, unreproducible = run_in_transaction(client, transaction)
    differing.extend(str(k) for k in [*changed, *removed][: MAX_NAMED - len(differing)])
    return len(changed), len(removed), unreproducible


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


def differs(result: Mapping[str, Any]) -> bool:
    """Does a service's rebuild summary say anything was (or, checked, would be) rewritten?"""
    return any(m["changed"] or m["removed"] for m in result["models"])


def outage_message(service: str, exc: BaseException) -> str:
    """What an operator reads when the rebuild met a dependency outage."""
    return (
        f"{service} rebuild stopped: the {dependency_of(exc)} is unreachable ({reason_of(exc)}). "
        "Each chunk rebuilt so far was committed whole and the rest is as it was: "
        "run the rebuild again once it is back."
    )


def run_cli(
    settings_of: Callable[[], Settings],
    rebuild: Callable[..., dict[str, Any]],
    argv: Sequence[str] | None = None,
) -> None:
    """`python -m <service>.rebuild [--check]`: the summary as JSON; with --check nothing is
    written and the exit status is 1 when the read models differ from a rebuild."""
    from kernel.platform.runners import configure_logging  # the entrypoint's only: runners is heavy

    settings = settings_of()
    service = settings.service
    parser = argparse.ArgumentParser(prog=f"python -m {service}.rebuild", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    configure_logging(f"{service}-rebuild")
    try:
        result = rebuild(settings, check=args.check)
    except Exception as exc:
        if dependency_of(exc) is None:
            raise
        sys.exit(outage_message(service, exc))
    print(json.dumps(result, indent=2, default=str))
    if args.check and differs(result):
        sys.exit(1)
