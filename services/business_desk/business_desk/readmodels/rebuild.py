"""Rebuild business_desk's read models under the rules in force (run after
changing a case type's target, extension or the holiday calendar, or after an upgrade):
the case documents (the queues, the case pages, the Insikt export) from business_desk's
own events, the processing-time buckets (the dashboard, the figures, the KPI feed) from
the case documents, and the satisfaction buckets from the survey answers its consumer
kept (kernel.eventsourcing.consumed). Safe on a live system and idempotent (kernel.eventsourcing.rebuild):
`python -m kernel.platform.run business_desk rebuild [--check]` prints the summary as JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.client_session import ClientSession
from pymongo.database import Database

from business_desk import domain
from business_desk.bootstrap import Deps, bootstrap
from business_desk.domain import figures
from business_desk.readmodels import satisfaction
from business_desk.readmodels.case_projection import evolve, settle
from business_desk.readmodels.sealing import DETAIL_FIELD, SUMMARY_FIELD, CaseSealing
from business_desk.settings import DeskSettings
from kernel.eventsourcing.consumed import ConsumedEvents, group_of
from kernel.eventsourcing.mongo_store import MongoEventStore
from kernel.eventsourcing.rebuild import UNREPRODUCIBLE, Doc, Unreproducible, opened, rebuild_model
from kernel.platform.connections import service_database

SURVEY_ANSWERED = "intake.survey_answered"
# what a case's contribution to the buckets is read from (no sealed part, no history)
CONTRIBUTION_FIELDS = {"history": 0, "search": 0, "notes": 0, SUMMARY_FIELD: 0, DETAIL_FIELD: 0}


class Cases:
    """The case documents, keyed by case id, folded from each case's stream."""

    name = "business_desk.cases"

    def __init__(self, deps: Deps) -> None:
        assert deps.cases is not None and deps.personal is not None
        assert isinstance(deps.store, MongoEventStore)
        self._deps, self._store, self._personal = deps, deps.store, deps.personal
        self._sealing = CaseSealing(deps.personal)
        self.collection = deps.store.db["cases"]

    def keys(self) -> Iterable[str]:
        opened_cases = self._store.db["events"].find({"type": domain.CASE_OPENED}, {"data.case_id": 1})
        yield from (e["data"]["case_id"] for e in opened_cases)
        yield from (d["_id"] for d in self.collection.find({}, {"_id": 1}))

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        streams = self._store.load_many([domain.stream_id_for(k) for k in keys], session)
        docs: dict[str, Doc | None] = {}
        for key in keys:
            doc = None
            for event in streams[domain.stream_id_for(key)]:
                doc = evolve(doc, event, self._deps.catalogue, settled=False) or doc
            if doc is not None:
                settle(doc, self._deps.catalogue)
            docs[key] = doc
        self._sealing.prefetch_for_writing(d for d in docs.values() if d is not None)
        return {k: None if d is None else self._sealing.seal(d) for k, d in docs.items()}

    def comparable(self, stored: Doc) -> Doc:
        return opened(stored, self._personal, (SUMMARY_FIELD, DETAIL_FIELD))


class CaseFigures:
    """The processing-time buckets, keyed by bucket id, counted from the case documents.
    Each chunk folds every case of its snapshot (the buckets are sums over all of them)."""

    name = "business_desk.case_figures"

    def __init__(self, db: Database) -> None:
        self._cases = db["cases"]
        self.collection = db["case_figures_weekly"]

    def _folded(self, session: ClientSession | None) -> dict[str, Doc]:
        docs = self._cases.find({}, CONTRIBUTION_FIELDS, session=session)
        return {b["_id"]: b for b in figures.fold(docs)}

    def keys(self) -> Iterable[str]:
        yield from self._folded(None)
        yield from (d["_id"] for d in self.collection.find({}, {"_id": 1}))

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        folded = self._folded(session)
        # a bucket counted down to nothing stays as the incremental path left it
        return {k: folded.get(k) or _left_empty(live.get(k)) for k in keys}

    def comparable(self, stored: Doc) -> Doc:
        return figures.counted(stored) or {}


def _left_empty(bucket: Doc | None) -> Doc | None:
    """A bucket the incremental path counted down to nothing: as good as none, left."""
    return bucket if bucket is not None and figures.counted(bucket) is None else None


class Satisfaction:
    """The satisfaction buckets, keyed by case type and week, from the kept survey answers."""

    name = "business_desk.satisfaction"

    def __init__(self, db: Database, kept: ConsumedEvents) -> None:
        self.collection = db["satisfaction_weekly"]
        self._kept = kept
        self._unkept = 0

    def _folded(self, session: ClientSession | None) -> dict[str, Doc]:
        answers = self._kept.find({"type": SURVEY_ANSWERED}, session)
        return satisfaction.fold(k.envelope for k in answers)

    def keys(self) -> Iterable[str]:
        self._unkept = self._kept.unkept()  # once per rebuild: such marks are never written again
        yield from self._folded(None)
        yield from (d["_id"] for d in self.collection.find({}, {"_id": 1}))

    def rebuilt(
        self, keys: list[str], live: Mapping[str, Doc], session: ClientSession
    ) -> Mapping[str, Doc | Unreproducible | None]:
        if self._unkept:
            # answers consumed before events were kept may be among them: keep the sums
            return dict.fromkeys(keys, UNREPRODUCIBLE)
        folded = self._folded(session)
        return {k: folded.get(k) for k in keys}

    def comparable(self, stored: Doc) -> Doc:
        return stored


def rebuild(settings: DeskSettings, db: Database | None = None, check: bool = False) -> dict[str, Any]:
    """Rebuild business_desk's read models (`check`: only compare; the buckets then against
    the case documents as they are); the summary per model (kernel.eventsourcing.rebuild.Summary)."""
    db = service_database(settings, db)
    deps = bootstrap(settings, db)
    assert deps.cases is not None and deps.personal is not None
    statistics = deps.cases.statistics
    kept = ConsumedEvents(db, group_of(settings), deps.personal)
    cases = rebuild_model(
        db.client,
        Cases(deps),
        on_change=lambda before, after, s: statistics.update(before, after, s),
        check=check,
    )
    buckets = rebuild_model(db.client, CaseFigures(db), chunk_size=5000, check=check)
    surveys = rebuild_model(db.client, Satisfaction(db, kept), chunk_size=5000, check=check)
    surveys.details["consumed_without_kept_event"] = kept.unkept()
    return {"service": "business_desk", "models": [m.as_dict() for m in (cases, buckets, surveys)]}
