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


def _entry(event: Envelope) -> dict[str, Any]:
    """A history line: `text` holds no personal data, `detail` does (and is erased)."""
    d = event.data
    personal = d.get("personal") or {}
    text = {
        domain.CASE_OPENED: "Case opened from the online inquiry.",
        domain.CASE_CLAIMED: f"Claimed by {d.get('handler')}.",
        domain.COMPLETION_REQUESTED: f"Completion requested by {d.get('handler')}, reply by {d.get('reply_by')}.",
        domain.APPLICANT_REPLIED: f"Applicant replied; clock resumed, due {d.get('due_date')}.",
        domain.CASE_DECIDED: f"Decided by {d.get('handler')}: {d.get('outcome')}.",
        domain.PERSONAL_DATA_ERASED: f"Personal data erased ({d.get('reason')}).",
    }.get(event.type, event.type)
    detail = personal.get("message") or personal.get("reply")
    return {
        "at": event.occurred_at,
        "type": event.type.removeprefix("business_desk."),
        "text": text,
        "detail": detail,
    }


def evolve(doc: dict[str, Any] | None, event: Envelope) -> dict[str, Any] | None:
    d = event.data
    entry = _entry(event)
    if event.type == domain.CASE_OPENED:
        personal = d["personal"] or {}
        return {
            "_id": d["case_id"],
            "reference": d["reference"],
            "case_type": d["case_type"],
            "team": d["team"],
            "subject_id": d["subject_id"],
            "company": personal.get("company"),
            "organisation_number": personal.get("organisation_number"),
            "contact": personal.get("contact"),
            "language": d["language"],
            "description": personal.get("description"),
            "personal_erased_on": None if d["personal"] else event.occurred_at[:10],
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
    personal = d.get("personal") or {}
    doc = {**doc, "version": event.version, "history": [*doc["history"], entry]}
    if event.type == domain.CASE_CLAIMED:
        doc["handler"] = d["handler"]
        if doc["status"] == "open":
            doc["status"] = "in_progress"
    elif event.type == domain.COMPLETION_REQUESTED:
        doc.update(
            status="waiting_for_applicant", waiting_for=personal.get("message"), reply_by=d["reply_by"]
        )
    elif event.type == domain.APPLICANT_REPLIED:
        doc.update(status="in_progress", waiting_for=None, reply_by=None, due_date=d["due_date"])
    elif event.type == domain.CASE_DECIDED:
        doc.update(
            status="decided",
            decision={
                **{k: d[k] for k in ("outcome", "legal_reference", "decided_on", "within_target")},
                "answer": personal.get("answer"),
            },
        )
    elif event.type == domain.PERSONAL_DATA_ERASED:
        doc.update(
            company=None,
            organisation_number=None,
            contact=None,
            description=None,
            waiting_for=None,
            personal_erased_on=d["erased_on"],
            history=[{**h, "detail": None} for h in doc["history"]],
        )
        if doc["decision"]:
            doc["decision"] = {**doc["decision"], "answer": None}
    return doc
