"""The processing-time buckets in MongoDB: kept in step with the case documents (in the
same transaction as the append) and rebuilt with them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.client_session import ClientSession
from pymongo.database import Database

from business_desk.domain import figures


class CaseStatistics:
    def __init__(self, db: Database) -> None:
        self._buckets = db["case_figures_weekly"]

    def ensure_schema(self) -> None:
        self._buckets.create_index([("week", ASCENDING), ("case_type", ASCENDING)])
        self._buckets.create_index([("kind", ASCENDING), ("case_type", ASCENDING)])

    def update(
        self, before: dict[str, Any] | None, after: dict[str, Any] | None, session: ClientSession | None
    ) -> None:
        changes = figures.difference(before, after)
        if not changes:
            return
        updates = [
            UpdateOne({"_id": bucket_id}, {"$setOnInsert": c["key"], "$inc": c["inc"]}, upsert=True)
            for bucket_id, c in changes.items()
        ]
        # a day or a number of days counted down to nothing is removed, so the open-case
        # counts do not grow with every day ever seen (and equal a rebuild)
        updates += [
            UpdateOne({"_id": bucket_id, name: {"$lte": 0}}, {"$unset": {name: ""}})
            for bucket_id, c in changes.items()
            for name, n in c["inc"].items()
            if n < 0 and "." in name
        ]
        self._buckets.bulk_write(updates, ordered=True, session=session)

    def rebuild(self, case_docs: Iterable[dict[str, Any]], batch: int = 1000) -> int:
        self._buckets.delete_many({})
        buckets = figures.fold(case_docs)
        for start in range(0, len(buckets), batch):
            self._buckets.insert_many(buckets[start : start + batch], ordered=False)
        return len(buckets)

    def buckets(
        self, start: date, end: date, case_types: Sequence[str], handler: str | None = None
    ) -> list[dict[str, Any]]:
        """The buckets of the weeks from `start` to `end` (both included) for the case types;
        for one handler, only the decisions they made."""
        query: dict[str, Any] = {
            "kind": {"$in": ["received", "decided"]},
            "week": {"$gte": figures.week_of(start), "$lte": figures.week_of(end)},
            "case_type": {"$in": list(case_types)},
        }
        if handler:
            query.update(kind="decided", handler=handler)
        return list(self._buckets.find(query, {"_id": 0}))

    def open_buckets(self, case_types: Sequence[str], handler: str | None = None) -> list[dict[str, Any]]:
        """The open-case counts of the case types (of one handler's cases, if given)."""
        query: dict[str, Any] = {"kind": "open", "case_type": {"$in": list(case_types)}}
        if handler:
            query["handler"] = handler
        return list(self._buckets.find(query, {"_id": 0}))
