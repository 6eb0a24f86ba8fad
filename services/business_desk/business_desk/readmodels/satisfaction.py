"""Applicants' satisfaction (NKI, SKR Insikt's three questions) per case type and week,
counted from intake's survey answers, to sit next to the processing times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from business_desk.domain.figures import week_of
from kernel.eventsourcing.envelope import Envelope

QUESTIONS = ("overall", "expectations", "ideal")


class Satisfaction:
    def __init__(self, db: Database) -> None:
        self._weekly = db["satisfaction_weekly"]

    def ensure_schema(self) -> None:
        self._weekly.create_index([("case_type", ASCENDING), ("week", ASCENDING)])

    @property
    def collection(self) -> Collection:
        return self._weekly

    def record(self, event: Envelope, session: ClientSession | None) -> None:
        """One survey answer (the consumer's inbox makes a redelivery count once)."""
        bucket_id, key, inc = contribution(event)
        self._weekly.update_one(
            {"_id": bucket_id}, {"$setOnInsert": key, "$inc": inc}, upsert=True, session=session
        )

    def summary(self, start: date, end: date, case_types: Sequence[str]) -> dict[str, Any]:
        """Responses and NKI (0-100) for the weeks from start to end: in total and per case type."""
        query = {
            "case_type": {"$in": list(case_types)},
            "week": {"$gte": week_of(start), "$lte": week_of(end)},
        }
        per_type: dict[str, list[float]] = {}
        for doc in self._weekly.find(query):
            tally = per_type.setdefault(doc["case_type"], [0, 0.0])
            tally[0] += doc["responses"]
            # in tenths, exact whatever the order (buckets from before: a float sum)
            tally[1] += doc["nki_tenths"] / 10 if "nki_tenths" in doc else doc.get("nki_sum", 0.0)
        responses = sum(t[0] for t in per_type.values())
        return {
            "responses": responses,
            "nki": round(sum(t[1] for t in per_type.values()) / responses, 1) if responses else None,
            "by_case_type": {
                case_type: {"responses": n, "nki": round(total / n, 1)}
                for case_type, (n, total) in sorted(per_type.items())
            },
        }


def contribution(event: Envelope) -> tuple[str, dict[str, Any], dict[str, int]]:
    """What one survey answer adds: its bucket, the bucket's key fields and the counts.
    The NKI is counted in whole tenths (it is given to one decimal), so the sums are
    exact and the same in whatever order the answers are counted."""
    d = event.data
    week = week_of(d["answered_on"])
    inc = {
        "responses": 1,
        "nki_tenths": round(d["nki"] * 10),
        **{f"score_sums.{q}": d["scores"][q] for q in QUESTIONS},
    }
    return f"{d['case_type']}|{week}", {"case_type": d["case_type"], "week": week}, inc


def fold(events: Iterable[Envelope]) -> dict[str, dict[str, Any]]:
    """The buckets of a set of survey answers (a rebuild), as stored documents."""
    buckets: dict[str, dict[str, Any]] = {}
    for event in events:
        bucket_id, key, inc = contribution(event)
        bucket = buckets.setdefault(bucket_id, {"_id": bucket_id, **key})
        for name, n in inc.items():
            if "." in name:
                part, field = name.split(".")
                bucket.setdefault(part, {})
                bucket[part][field] = bucket[part].get(field, 0) + n
            else:
                bucket[name] = bucket.get(name, 0) + n
    return buckets
