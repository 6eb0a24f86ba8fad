"""The queue read model in MongoDB, updated in the same transaction as the append,
and rebuildable from the events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from business_desk.views import evolve
from kernel.envelope import Envelope

OPEN_STATUSES = ("open", "in_progress", "waiting_for_applicant")


class CaseReadModel:
    def __init__(self, db: Database) -> None:
        self._cases = db["cases"]

    def ensure_schema(self) -> None:
        self._cases.create_index([("case_type", ASCENDING), ("status", ASCENDING), ("due_date", ASCENDING)])
        self._cases.create_index("reference", unique=True)

    def apply(self, events: Sequence[Envelope], session: ClientSession | None) -> None:
        for event in events:
            current = self._cases.find_one({"_id": event.data["case_id"]}, session=session)
            updated = evolve(current, event)
            if updated is not None:
                self._cases.replace_one({"_id": updated["_id"]}, updated, upsert=True, session=session)

    def rebuild(self, events: Iterable[Envelope]) -> int:
        self._cases.delete_many({})
        count = 0
        for event in events:
            self.apply([event], None)
            count += 1
        return count

    def queue(self, case_type: str, statuses: Sequence[str] = OPEN_STATUSES) -> list[dict[str, Any]]:
        """Due soonest first."""
        cursor = self._cases.find(
            {"case_type": case_type, "status": {"$in": list(statuses)}}, {"history": 0, "contact": 0}
        ).sort([("due_date", ASCENDING), ("received_on", ASCENDING)])
        return list(cursor)

    def counts(self) -> dict[str, int]:
        pipeline = [
            {"$match": {"status": {"$in": list(OPEN_STATUSES)}}},
            {"$group": {"_id": "$case_type", "n": {"$sum": 1}}},
        ]
        return {row["_id"]: row["n"] for row in self._cases.aggregate(pipeline)}

    def erasure_candidates(self, decided_on_or_before: date) -> list[dict[str, Any]]:
        """Decided cases still holding personal data, decided on or before the date."""
        return list(
            self._cases.find(
                {
                    "status": "decided",
                    "personal_erased_on": None,
                    "decision.decided_on": {"$lte": decided_on_or_before.isoformat()},
                },
                {"_id": 1},
            )
        )

    def get(self, case_id: str) -> dict[str, Any] | None:
        return self._cases.find_one({"_id": case_id})

    def by_reference(self, reference: str) -> dict[str, Any] | None:
        return self._cases.find_one({"reference": reference})
