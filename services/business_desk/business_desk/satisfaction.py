"""Applicants' satisfaction (NKI, SKR Insikt's three questions) per case type and week,
counted from intake's survey answers, to sit next to the processing times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pymongo import ASCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from business_desk.figures import week_of
from kernel.envelope import Envelope

QUESTIONS = ("overall", "expectations", "ideal")


class Satisfaction:
    def __init__(self, db: Database) -> None:
        self._weekly = db["satisfaction_weekly"]

    def ensure_schema(self) -> None:
        self._weekly.create_index([("case_type", ASCENDING), ("week", ASCENDING)])

    def record(self, event: Envelope, session: ClientSession | None) -> None:
        """One survey answer (the consumer's inbox makes a redelivery count once)."""
        d = event.data
        week = week_of(d["answered_on"])
        self._weekly.update_one(
            {"_id": f"{d['case_type']}|{week}"},
            {
                "$setOnInsert": {"case_type": d["case_type"], "week": week},
                "$inc": {
                    "responses": 1,
                    "nki_sum": d["nki"],
                    **{f"score_sums.{q}": d["scores"][q] for q in QUESTIONS},
                },
            },
            upsert=True,
            session=session,
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
            tally[1] += doc["nki_sum"]
        responses = sum(t[0] for t in per_type.values())
        return {
            "responses": responses,
            "nki": round(sum(t[1] for t in per_type.values()) / responses, 1) if responses else None,
            "by_case_type": {
                case_type: {"responses": n, "nki": round(total / n, 1)}
                for case_type, (n, total) in sorted(per_type.items())
            },
        }
