"""Rebuild the vouchers service's read models (providers, vouchers,
redemptions, payments, the programmes' settings) from its events, and mark the published
comparison to be computed again from them. `python -m kernel.platform.run vouchers rebuild` prints the
summary as JSON.

Safe on a live system: one transaction empties the read models and applies every event
again, with the very methods the append hook uses, from one snapshot; readers see the old
documents until it commits, a writer that touches one of them meanwhile conflicts and is
retried after it (or it is retried after the writer). Idempotent: the same events give the
same documents. Bounded by what one transaction may write (the store refuses a transaction
too large for its cache); beyond that, run `ReadModels.rebuild` while the service takes no
writes."""

from __future__ import annotations

import time
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.eventsourcing.rebuild import MAX_NAMED, Summary
from vouchers.bootstrap import Deps, bootstrap
from vouchers.readmodels.projections import COLLECTIONS, ReadModels
from vouchers.settings import VouchersSettings

Docs = dict[str, dict[str, dict[str, Any]]]


def _documents(db: Database, session: ClientSession) -> Docs:
    return {name: {d["_id"]: d for d in db[name].find({}, session=session)} for name in COLLECTIONS}


class _Checked(Exception):
    """Aborts a checking rebuild's transaction once it has compared."""

    def __init__(self, result: tuple[Docs, Docs, int]) -> None:
        super().__init__("checked")
        self.result = result


def rebuild_read_models(read: ReadModels, store: MongoEventStore, check: bool = False) -> list[Summary]:
    """One transaction (see the module's docstring); a summary per collection. `check`:
    the transaction is aborted once the documents are compared, nothing is written."""
    started = time.perf_counter()

    def transaction(session: ClientSession) -> tuple[Docs, Docs, int]:
        before = _documents(read.db, session)
        for name in COLLECTIONS:
            read.db[name].delete_many({}, session=session)
        events = list(store.read_all(session=session))
        read.apply(events, session)  # in store order, the published figures marked stale once
        result = before, _documents(read.db, session), len(events)
        if check:
            raise _Checked(result)
        return result

    with read.db.client.start_session() as session:
        try:
            before, after, events = session.with_transaction(transaction)
        except _Checked as checked:
            before, after, events = checked.result
    seconds = round(time.perf_counter() - started, 3)
    summaries = []
    for name in COLLECTIONS:
        old, new = before[name], after[name]
        summaries.append(
            Summary(
                model=f"vouchers.{name}",
                documents=len(new),
                changed=sum(1 for k, doc in new.items() if old.get(k) != doc),
                removed=len(old.keys() - new.keys()),
                seconds=seconds,
                details={
                    "events": events,
                    **(
                        {
                            "differing": sorted(
                                k for k in old.keys() ^ new.keys() | {k for k in new if old.get(k) != new[k]}
                            )[:MAX_NAMED]
                        }
                        if check
                        else {}
                    ),
                },
            )
        )
    return summaries


def rebuild(
    settings: VouchersSettings, db: Database | None = None, check: bool = False, *, deps: Deps | None = None
) -> dict[str, Any]:
    """Rebuild the vouchers service's read models on `db` (or those of `deps`; `check`:
    only compare); the summary per model (kernel.eventsourcing.rebuild.Summary)."""
    deps = deps or bootstrap(settings, db)
    assert isinstance(deps.store, MongoEventStore)
    summaries = rebuild_read_models(deps.read, deps.store, check)
    return {"service": "vouchers", "models": [s.as_dict() for s in summaries]}
