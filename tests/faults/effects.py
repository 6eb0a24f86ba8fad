"""What each accepted inquiry left behind, read from the services' own stores and the
mail sink: its case, its tracking view (and the order it applied its case's events in),
its emails. Compared with what it must have left: nothing missing, nothing twice."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from pymongo import MongoClient

from business_desk.domain import stream_id_for as case_stream
from intake.domain.inquiries import stream_id_for as inquiry_stream
from intake.service import CASE_EVENTS
from tests.faults.traffic import Submission

CASE_OPENED, CASE_DECIDED = "business_desk.case_opened", "business_desk.case_decided"


@dataclass
class Effects:
    losses: list[str] = field(default_factory=list)  # an effect missing
    duplicates: list[str] = field(default_factory=list)  # an effect twice
    out_of_order: list[str] = field(default_factory=list)  # a stream's events applied out of order
    resent_copies: int = 0  # the same email (same Message-ID) delivered again after a crash
    case_latency_s: dict[str, float] = field(default_factory=dict)  # accepted -> case opened
    receipt_latency_s: dict[str, float] = field(default_factory=dict)  # accepted -> receipt delivered

    @property
    def complete(self) -> bool:
        return not (self.losses or self.duplicates or self.out_of_order)


def observe(mongo: MongoClient, prefix: str, mail_url: str, accepted: list[Submission]) -> Effects:
    intake, desk = mongo[f"{prefix}intake"], mongo[f"{prefix}business_desk"]
    ids = [s.inquiry_id for s in accepted]
    inquiry_events = {
        e["stream_id"]: e["_id"]
        for e in intake["events"].find(
            {"stream_id": {"$in": [inquiry_stream(i) for i in ids]}, "type": "intake.inquiry_submitted"},
            {"stream_id": 1},
        )
    }
    case_events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in (
        desk["events"]
        .find(
            {"stream_id": {"$in": [case_stream(i) for i in ids]}},
            {"stream_id": 1, "version": 1, "type": 1, "occurred_at": 1},
        )
        .sort([("stream_id", 1), ("version", 1)])
    ):
        case_events[e["stream_id"]].append(e)
    cases = Counter(
        d["reference"] for d in desk["cases"].find({"reference": {"$in": [s.reference for s in accepted]}})
    )
    tracking = {
        d["_id"]: d for d in intake["tracking"].find({"_id": {"$in": ids}}, {"applied": 1, "status": 1})
    }
    addresses = {s.email for s in accepted}
    mails: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mail in requests.get(f"{mail_url}/api/messages", timeout=30).json():
        if mail["to"] in addresses:
            mails[mail["to"]].append(mail)

    effects = Effects()
    for s in accepted:
        _check(
            s,
            effects,
            inquiry_events.get(inquiry_stream(s.inquiry_id)),
            case_events.get(case_stream(s.inquiry_id), []),
            cases[s.reference],
            tracking.get(s.inquiry_id),
            mails.get(s.email, []),
        )
    return effects


def _check(
    s: Submission,
    effects: Effects,
    inquiry_event: str | None,
    case_events: list[dict[str, Any]],
    cases: int,
    tracking: dict[str, Any] | None,
    mails: list[dict[str, Any]],
) -> None:
    ref = s.reference
    if inquiry_event is None:
        effects.losses.append(f"{ref}: accepted but no inquiry_submitted event in intake's store")
        return
    opened = [e for e in case_events if e["type"] == CASE_OPENED]
    decided = [e for e in case_events if e["type"] == CASE_DECIDED]
    _count(effects, ref, "case in business_desk's read model", cases, 1)
    _count(effects, ref, "case_opened event", len(opened), 1)
    if s.decide:
        _count(effects, ref, "case_decided event", len(decided), 1)
    if opened:
        effects.case_latency_s[ref] = (
            datetime.fromisoformat(opened[0]["occurred_at"]).timestamp() - s.accepted_at
        )

    if tracking is None:
        effects.losses.append(f"{ref}: no tracking view")
    else:
        # The tracking view applied its inquiry's event, then its case's events in the
        # case stream's order: each exactly once.
        expected = [inquiry_event, *(e["_id"] for e in case_events if e["type"] in CASE_EVENTS)]
        applied = tracking.get("applied", [])
        if len(applied) != len(set(applied)):
            effects.duplicates.append(f"{ref}: tracking applied an event twice: {applied}")
        elif sorted(applied) != sorted(expected):
            missing = [e for e in expected if e not in applied]
            effects.losses.append(f"{ref}: tracking has not applied {missing}")
        elif applied != expected:
            effects.out_of_order.append(f"{ref}: tracking applied {applied}, the streams say {expected}")
        elif tracking.get("status") != ("decided" if s.decide else "registered"):
            effects.losses.append(f"{ref}: tracking says {tracking.get('status')!r} after {applied}")

    distinct = {m["message_id"]: m for m in mails}
    effects.resent_copies += len(mails) - len(distinct)
    by_subject = Counter("Beslut" in m["subject"] for m in distinct.values())
    _count(effects, ref, "receipt email", by_subject[False], 1)
    if s.decide:
        _count(effects, ref, "decision email", by_subject[True], 1)
    receipts = sorted(m["received_ns"] for m in distinct.values() if "Beslut" not in m["subject"])
    if receipts:
        effects.receipt_latency_s[ref] = receipts[0] / 1e9 - s.accepted_at


def _count(effects: Effects, ref: str, what: str, found: int, wanted: int) -> None:
    if found < wanted:
        effects.losses.append(f"{ref}: {found} {what}, expected {wanted}")
    elif found > wanted:
        effects.duplicates.append(f"{ref}: {found} {what}, expected {wanted}")
