"""The queue read model in MongoDB, updated in the same transaction as the append,
and rebuildable from the events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from business_desk import domain
from business_desk.domain.figures import OPEN_PHASES
from business_desk.readmodels.case_projection import evolve, settle
from business_desk.readmodels.figures import CaseStatistics
from business_desk.readmodels.sealing import DETAIL_FIELD, CaseSealing
from business_desk.readmodels.search import query_terms
from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import Envelope
from kernel.privacy.personal import PersonalData
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page

FINISHED_PHASES = ("decided", "closed")
# what a queue reads of each case: its personal values in the small sealed summary only
LIST_FIELDS = {"history": 0, "search": 0, "notes": 0, DETAIL_FIELD: 0}
# a queue's order: due soonest first, then first come, the id breaking the last ties
QUEUE_ORDER = SortKey.of(("due_date", 1), ("received_on", 1), ("_id", 1))
EXPORT_CHUNK = 500  # the cases an export reads and opens at a time


@dataclass(frozen=True)
class QueueFilter:
    """What a handler narrows a queue to. Empty fields do not filter."""

    case_types: tuple[str, ...] = ()
    phases: tuple[str, ...] = OPEN_PHASES
    handler: str | None = None  # an actor id
    unassigned: bool = False
    overdue: bool = False
    waiting: bool = False
    text: str = ""

    @classmethod
    def from_params(
        cls,
        case_types: Sequence[str],
        status: str = "open",
        handler: str | None = None,
        unassigned: bool = False,
        text: str = "",
    ) -> QueueFilter:
        """From a queue page's or the API's parameters (status: open, waiting, overdue,
        decided, closed or all)."""
        phases = {"decided": ("decided",), "closed": ("closed",), "all": (*OPEN_PHASES, *FINISHED_PHASES)}
        return cls(
            case_types=tuple(case_types),
            phases=phases.get(status, OPEN_PHASES),
            handler=handler or None,
            unassigned=unassigned,
            overdue=status == "overdue",
            waiting=status == "waiting",
            text=text,
        )

    def query(self, today: date) -> dict[str, Any]:
        q: dict[str, Any] = {"phase": {"$in": list(self.phases)}}
        if self.case_types:
            q["case_type"] = {"$in": list(self.case_types)}
        if self.handler:  # by who handles the case, never by a name two people may share
            q["handler_id"] = self.handler
        elif self.unassigned:
            q["handler_id"] = None
        if self.waiting:
            q["phase"] = "waiting_for_applicant"
        if self.overdue:
            # a paused case is not late while it waits; its deadline moves when it resumes
            q["phase"] = {"$in": [p for p in self.phases if p in ("open", "in_progress")]}
            q["due_date"] = {"$lt": today.isoformat()}
        terms = query_terms(self.text)
        if terms:
            q["search"] = {"$all": terms}
        return q


class CaseReadModel:
    """The case documents, and the processing-time buckets kept in step with them. Their
    personal values are stored sealed with the applicant's key (readmodels.sealing) and
    opened when read: this class reads and writes only opened documents."""

    def __init__(self, db: Database, catalogue: Catalogue, personal: PersonalData) -> None:
        self._cases = db["cases"]
        self._catalogue = catalogue
        self._sealing = CaseSealing(personal)
        self.statistics = CaseStatistics(db)

    def ensure_schema(self) -> None:
        self.statistics.ensure_schema()
        self._cases.create_index([("case_type", ASCENDING), ("phase", ASCENDING), ("due_date", ASCENDING)])
        self._cases.create_index([("phase", ASCENDING), ("due_date", ASCENDING)])
        self._cases.create_index("reference", unique=True)
        self._cases.create_index("search")

    def apply(self, events: Sequence[Envelope], session: ClientSession | None) -> None:
        for event in events:
            # a case's first event starts its document (the stream's unique first version
            # guarantees there is none): nothing to read first
            opening = event.type == domain.CASE_OPENED and event.version == 1
            current = None if opening else self._find_one({"_id": event.data["case_id"]}, session=session)
            updated = evolve(current, event, self._catalogue)
            if updated is not None:
                stored = self._sealing.seal(updated)
                self._cases.replace_one({"_id": updated["_id"]}, stored, upsert=True, session=session)
                self.statistics.update(current, updated, session)

    def rebuild(self, events: Iterable[Envelope], batch: int = 1000) -> int:
        """Replay every case event under the rules in force: folded in memory, written in
        bulk (a case's document is written once, not once per event), then the buckets.
        Returns the number of events replayed. Offline only (after a bulk import, in the
        benchmark): it drops the collection first. On a live system, business_desk.readmodels.rebuild."""
        # dropped and indexed after the bulk insert: building an index once is cheaper than
        # updating it per document (the search index holds a few dozen tokens per case)
        self._cases.drop()
        docs: dict[str, dict[str, Any]] = {}
        count = 0
        for event in events:
            if not event.type.startswith("business_desk."):
                continue
            case_id = event.data["case_id"]
            updated = evolve(docs.get(case_id), event, self._catalogue, settled=False)
            if updated is not None:
                docs[case_id] = updated
            count += 1
        values = list(docs.values())
        for doc in values:
            settle(doc, self._catalogue)
        for start in range(0, len(values), batch):
            chunk = values[start : start + batch]
            self._sealing.prefetch_for_writing(chunk)
            self._cases.insert_many([self._sealing.seal(doc) for doc in chunk], ordered=False)
        self.ensure_schema()
        self.statistics.rebuild(values)
        return count

    def queue(self, filter_: QueueFilter, today: date, page: PageRequest) -> Page[dict[str, Any]]:
        """One page of the queue, due soonest first (QUEUE_ORDER)."""
        return mongo_page(
            self._cases,
            filter_.query(today),
            QUEUE_ORDER,
            page,
            LIST_FIELDS,
            opened=lambda stored: self._opened(stored, detail=False),
        )

    def selected(self, query: dict[str, Any], sort: SortKey, page: PageRequest) -> Page[dict[str, Any]]:
        """One page of the cases a query picks, in the order given (the dashboard's drilldowns:
        one read of the store a page, its sealed summaries opened with one key fetch)."""
        return mongo_page(
            self._cases,
            query,
            sort,
            page,
            LIST_FIELDS,
            opened=lambda stored: self._opened(stored, detail=False),
        )

    def count_selected(self, query: dict[str, Any]) -> int:
        """How many cases a query picks (a drilldown's count)."""
        return int(self._cases.count_documents(query))

    def count(self, filter_: QueueFilter, today: date) -> int:
        """How many cases the whole queue holds (its pages say how many in all)."""
        return int(self._cases.count_documents(filter_.query(today)))

    def counts(self) -> dict[str, int]:
        """Open cases per case type (from the open-case counts)."""
        counts: dict[str, int] = {}
        for bucket in self.statistics.open_buckets(list(self._catalogue.case_types)):
            counts[bucket["case_type"]] = counts.get(bucket["case_type"], 0) + bucket.get("open", 0)
        return counts

    def active_ids(self) -> list[str]:
        return [doc["_id"] for doc in self._cases.find({"phase": {"$in": list(OPEN_PHASES)}}, {"_id": 1})]

    def erasure_candidates(self, finished_on_or_before: date) -> list[dict[str, Any]]:
        """Decided or closed cases still holding personal data, finished on or before the date."""
        cutoff = finished_on_or_before.isoformat()
        return list(
            self._cases.find(
                {
                    "phase": {"$in": list(FINISHED_PHASES)},
                    "personal_erased_on": None,
                    "$or": [{"facts.decided_on": {"$lte": cutoff}}, {"facts.closed_on": {"$lte": cutoff}}],
                },
                {"_id": 1},
            )
        )

    def closed_between(
        self, case_types: Sequence[str], start: date, end: date, chunk: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Cases decided in the period, oldest decision first (for the Insikt case list):
        read and opened `chunk` at a time, so an export of any size holds one chunk."""
        chunk = chunk or EXPORT_CHUNK
        cursor = (
            self._cases.find(
                {
                    "case_type": {"$in": list(case_types)},
                    "decision.decided_on": {"$gte": start.isoformat(), "$lte": end.isoformat()},
                },
                {"history": 0, "search": 0, "notes": 0, "facts": 0, DETAIL_FIELD: 0},
            )
            .sort([("decision.decided_on", ASCENDING), ("_id", ASCENDING)])
            .batch_size(chunk)
        )
        while stored := list(islice(cursor, chunk)):
            yield from self._opened(stored, detail=False)

    def get(self, case_id: str) -> dict[str, Any] | None:
        return self._find_one({"_id": case_id})

    def case_type_of(self, case_id: str) -> str | None:
        """The case's type, read without opening anything (to check a caller's reach)."""
        doc = self._cases.find_one({"_id": case_id}, {"case_type": 1})
        return None if doc is None else str(doc["case_type"])

    def by_reference(self, reference: str) -> dict[str, Any] | None:
        return self._find_one({"reference": reference})

    def _find_one(self, query: dict[str, Any], session: ClientSession | None = None) -> dict[str, Any] | None:
        stored = self._cases.find_one(query, {"search": 0}, session=session)
        return None if stored is None else self._sealing.open_doc(stored)

    def _opened(self, stored: list[dict[str, Any]], detail: bool) -> list[dict[str, Any]]:
        """Many documents opened: their subjects' keys fetched in one round trip."""
        self._sealing.prefetch(stored)
        return [self._sealing.open_doc(doc, detail) for doc in stored]
