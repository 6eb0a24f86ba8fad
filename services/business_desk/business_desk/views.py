"""The case view handlers read in queues and on the case page, derived from case events. Pure."""

from __future__ import annotations

from typing import Any

from business_desk import domain
from kernel.envelope import Envelope

STATUS_LABELS = {
    "open": "Open, not claimed",
    "in_progress": "In progress",
    "waiting_for_applicant": "Waiting for the applicant",
    "decided": "Decided",
}


def _text(event: Envelope) -> str:
    d = event.data
    return {
        domain.CASE_OPENED: "Case opened from the online inquiry.",
        domain.CASE_CLAIMED: f"Claimed by {d.get('handler')}.",
        domain.COMPLETION_REQUESTED: f"Completion requested by {d.get('handler')}, reply by {d.get('reply_by')}: "
        f"{d.get('message')}",
        domain.APPLICANT_REPLIED: f"Applicant replied; clock resumed, due {d.get('due_date')}. {d.get('reply')}",
        domain.CASE_DECIDED: f"Decided by {d.get('handler')}: {d.get('outcome')}.",
    }.get(event.type, event.type)


def evolve(doc: dict[str, Any] | None, event: Envelope) -> dict[str, Any] | None:
    d = event.data
    entry = {"at": event.occurred_at, "type": event.type.removeprefix("business_desk."), "text": _text(event)}
    if event.type == domain.CASE_OPENED:
        return {
            "_id": d["case_id"],
            "reference": d["reference"],
            "case_type": d["case_type"],
            "team": d["team"],
            "company": d["company"],
            "organisation_number": d["organisation_number"],
            "contact": d["contact"],
            "language": d["language"],
            "description": d["description"],
            "received_on": d["received_on"],
            "due_date": d["due_date"],
            "status": "open",
            "handler": None,
            "waiting_for": None,
            "reply_by": None,
            "decision": None,
            "opened_at": event.occurred_at,
            "version": event.version,
            "history": [entry],
        }
    if doc is None or event.version <= doc["version"]:
        return None
    doc = {**doc, "version": event.version, "history": [*doc["history"], entry]}
    if event.type == domain.CASE_CLAIMED:
        doc["handler"] = d["handler"]
        if doc["status"] == "open":
            doc["status"] = "in_progress"
    elif event.type == domain.COMPLETION_REQUESTED:
        doc.update(status="waiting_for_applicant", waiting_for=d["message"], reply_by=d["reply_by"])
    elif event.type == domain.APPLICANT_REPLIED:
        doc.update(status="in_progress", waiting_for=None, reply_by=None, due_date=d["due_date"])
    elif event.type == domain.CASE_DECIDED:
        doc.update(
            status="decided",
            decision={
                k: d[k] for k in ("outcome", "answer", "legal_reference", "decided_on", "within_target")
            },
        )
    return doc
