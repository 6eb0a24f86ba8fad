"""What the applicant sees of their case: status and history in plain words, derived
from the inquiry's own event and the case events business_desk publishes. Pure logic.
About 350 lines: the document's steps (one per event type) and its public view are
one concept, what the applicant is told, and read best side by side."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from intake.domain.inquiries import (
    COMPLETION_ANSWERED,
    INQUIRY_SUBMITTED,
    SURVEY_ANSWERED,
    TRACKING_LINK_REPLACED,
    hash_token,
)
from kernel.eventsourcing.envelope import Envelope

INTAKE_STATUSES = ("submitted", "registered")  # intake's own; the rest are business_desk's
# the statuses and outcomes worded by intake's catalogues ("status.<id>", "outcome.<id>")
BUILT_IN_STATUSES = ("submitted", "registered", "in_progress", "waiting_for_applicant", "decided", "closed")
OUTCOMES = ("granted", "granted_with_conditions", "refused", "answered")


def _entry(at: str, status: str, key: str, **params: Any) -> dict[str, Any]:
    """A history line, worded when it is read, in the reader's language (catalogue key
    `history.<key>`; a parameter ending in `_key` is a catalogue key itself)."""
    return {"at": at, "status": status, "key": f"history.{key}", "params": params}


def organisation_key(organisation_number: str | None) -> str | None:
    """Digits only: how a signed-in applicant's organisation claim is matched."""
    return re.sub(r"\D", "", organisation_number) if organisation_number else None


def link_lookup(token: str) -> tuple[str, str | None]:
    """What a tracking link is found by, and the secret that proves it: a link
    `<handle>.<secret>` by its handle (random: it names nobody and hashes nothing), its
    secret checked against a hash keyed with the contact's own data key, so nothing of the
    link can be tested once the contact is erased. A link made before handles is found by
    its SHA-256, and has no secret to check."""
    handle, dot, secret = token.partition(".")
    if dot and re.fullmatch(r"[0-9a-f]{24}", handle) and secret:
        return f"h:{handle}", secret
    return hash_token(token), None


def no_link(inquiry_id: str, why: str) -> str:
    """A tracking_hash no token hashes to (hashes are hex): the case has no working link."""
    return f"{why}:{inquiry_id}"


def evolve(doc: dict[str, Any] | None, event: Envelope) -> dict[str, Any] | None:
    """The tracking document after one more event (None: the event changes nothing).
    Personal fields are None once the data subject's key was erased."""
    data, at = event.data, event.occurred_at
    personal = data.get("personal") or {}
    if event.type == INQUIRY_SUBMITTED:
        return _submitted(data, personal, at, event.event_id)
    if doc is None or event.event_id in doc.get("applied", []):
        return None
    step = OWN_STEPS.get(event.type) or CASE_STEPS.get(event.type.removeprefix("business_desk."))
    if step is None:
        return None
    doc = {**doc, "history": list(doc["history"]), "applied": [*doc.get("applied", []), event.event_id]}
    step(doc, data, personal, at)
    return doc


def _submitted(data: dict[str, Any], personal: dict[str, Any], at: str, event_id: str) -> dict[str, Any]:
    """The document an inquiry starts: whatever was there before, this is its first event."""
    token = personal.get("tracking_token")
    lookup, secret = link_lookup(token) if token else (no_link(data["inquiry_id"], "erased"), None)
    return {
        "_id": data["inquiry_id"],
        "reference": data["reference"],
        "subject_id": data["subject_id"],
        "tracking_hash": lookup,
        "tracking_secret": secret,  # made into tracking_verifier when stored, never kept
        "revoked_hashes": [],
        "company": personal.get("company"),
        "organisation_number": personal.get("organisation_number"),
        "organisation_key": organisation_key(personal.get("organisation_number")),
        # finds the cases of a contact who signs in with an email link
        "contact_email": personal["contact"]["email"] if personal else None,
        # what the applicant submitted, shown back to them on the case page (sealed at rest)
        "contact_name": personal["contact"]["name"] if personal else None,
        "contact_phone": personal["contact"]["phone"] if personal else None,
        "description": personal.get("description"),
        "notify_by": data.get("notify_by", "email"),
        # the applicant's answers and further documents, in order (texts and files sealed)
        "answers": [],
        # set by the erasure event only: replayed after it, an unreadable inquiry folds to
        # the same document as it did when it was read (the erasure nulls the rest)
        "personal_erased_on": None,
        "case_type": data["case_type"],
        "language": data["language"],
        "received_on": data["received_on"],
        "promised_answer_by": data["promised_answer_by"],
        "status": "submitted",
        "waiting_for": None,
        "reply_by": None,
        "decision": None,
        "history": [_entry(at, "submitted", "received")],
        "applied": [event_id],
    }


# One step per event type: (the document, copied, with the event noted as applied; the
# event's data; its opened personal fields, {} once erased; when it happened). Each
# changes the document in place.
Step = Callable[[dict[str, Any], dict[str, Any], dict[str, Any], str], None]


def _link_replaced(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    if doc.get("personal_erased_on"):
        return
    token = personal.get("tracking_token")  # None when replayed after the erasure
    doc["revoked_hashes"] = [*doc.get("revoked_hashes", []), doc["tracking_hash"]]
    doc["tracking_hash"], doc["tracking_secret"] = (
        link_lookup(token) if token else (no_link(doc["_id"], "erased"), None)
    )
    doc["history"].append(_entry(at, doc["status"], "link_replaced"))


def _survey_answered(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["survey_answered_on"] = data["answered_on"]
    doc["history"].append(_entry(at, doc["status"], "survey_answered"))


def awaits_answer(doc: dict[str, Any]) -> bool:
    """The municipality asked for more and the applicant has not answered yet."""
    return doc["status"] == "waiting_for_applicant" and not doc.get("answered_on")


def takes_documents(doc: dict[str, Any]) -> bool:
    """A further document may be sent: a completion request was answered, no answer is
    awaited now, and the case is open and not decided (nor its personal data erased)."""
    return (
        bool(doc.get("answers"))
        and not awaits_answer(doc)
        and doc["status"] not in ("decided", "closed")
        and not doc.get("decision")
        and not doc.get("personal_erased_on")
    )


def _completion_answered(
    doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str
) -> None:
    """The answer to a completion request, or (sent when none was awaited) a further document."""
    files = data.get("attachment_count", 0)
    kind = "answer" if awaits_answer(doc) else "document"
    if kind == "answer":
        doc["answered_on"] = data["answered_on"]
    shown = [
        {k: f[k] for k in ("attachment_id", "filename", "content_type", "size")}
        for f in personal.get("attachments") or []
    ]
    doc["answers"] = [
        *doc.get("answers", []),
        {"at": at, "kind": kind, "text": personal.get("answer"), "files": shown},
    ]
    key = "answered" if kind == "answer" else "document_sent"
    doc["history"].append(_entry(at, doc["status"], key, files=files))


def _case_opened(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["status"] = "registered"
    doc["history"].append(_entry(at, "registered", "registered"))


def _case_claimed(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["status"] = "in_progress"
    doc["history"].append(_entry(at, "in_progress", "claimed"))


def _completion_requested(
    doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str
) -> None:
    doc.update(
        status="waiting_for_applicant",
        waiting_for=personal.get("message"),
        reply_by=data["reply_by"],
        answered_on=None,
    )
    doc["history"].append(
        _entry(at, "waiting_for_applicant", "completion_requested", reply_by=data["reply_by"])
    )
    _documents_sent(doc, personal, at, "completion_requested")


def _documents_sent(doc: dict[str, Any], personal: dict[str, Any], at: str, sent_with: str) -> None:
    """The documents the municipality attached for the applicant (described; the files stay
    with business_desk, fetched for the holder of the case's link or its signed-in owner)."""
    sent = [{**file, "sent_with": sent_with, "sent_on": at[:10]} for file in personal.get("documents") or []]
    if sent:
        doc["documents"] = [*doc.get("documents", []), *sent]


def _applicant_replied(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    moved = data["due_date"] != doc["promised_answer_by"]
    doc.update(status="in_progress", waiting_for=None, reply_by=None, promised_answer_by=data["due_date"])
    entry = _entry(at, "in_progress", "replied_moved", due_date=data["due_date"]) if moved else None
    doc["history"].append(entry or _entry(at, "in_progress", "replied"))


def _case_decided(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(
        status="decided",
        waiting_for=None,
        reply_by=None,
        decision={
            "outcome": data["outcome"],
            "answer": personal.get("answer"),
            "legal_reference": data["legal_reference"],
            "decided_on": data["decided_on"],
        },
    )
    doc["history"].append(_entry(at, "decided", "decided", outcome_key=f"outcome.{data['outcome']}"))
    _documents_sent(doc, personal, at, "case_decided")


def _status_changed(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["status"] = data["status"]
    doc["history"].append(
        {"at": at, "status": data["status"], "text": None}  # worded from the status's applicant label
    )


def _deadline_extended(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["promised_answer_by"] = data["due_date"]
    doc["history"].append(_entry(at, doc["status"], "extended", due_date=data["due_date"]))


def _delay_notice_sent(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["delays"] = [
        *doc.get("delays", []),
        {
            "sent_on": data["sent_on"],
            "expected_by": data["expected_by"],
            "reason": personal.get("reason"),
        },
    ]
    doc["history"].append(_entry(at, doc["status"], "delayed", expected_by=data["expected_by"]))


def _case_closed(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["status"] = "closed"
    doc["history"].append(_entry(at, "closed", "closed"))


def _case_reopened(doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(status="in_progress", decision=None)
    doc["history"].append(_entry(at, "in_progress", "reopened"))


def _personal_data_erased(
    doc: dict[str, Any], data: dict[str, Any], personal: dict[str, Any], at: str
) -> None:
    doc.update(
        company=None,
        organisation_number=None,
        organisation_key=None,
        contact_email=None,
        waiting_for=None,
        personal_erased_on=data["erased_on"],
        tracking_hash=no_link(doc["_id"], "erased"),
        tracking_verifier=None,
        revoked_hashes=[],
        delays=[{**d, "reason": None} for d in doc.get("delays", [])],
        documents=[],  # the files are erased by business_desk with the case
        contact_name=None,
        contact_phone=None,
        description=None,
        answers=[{**a, "text": None, "files": []} for a in doc.get("answers", [])],
    )
    if doc.get("decision"):
        doc["decision"] = {**doc["decision"], "answer": None}


# intake's own events after the submission, by type
OWN_STEPS: dict[str, Step] = {
    TRACKING_LINK_REPLACED: _link_replaced,
    SURVEY_ANSWERED: _survey_answered,
    COMPLETION_ANSWERED: _completion_answered,
}
# business_desk's case events, by type without its "business_desk." prefix
CASE_STEPS: dict[str, Step] = {
    "case_opened": _case_opened,
    "case_claimed": _case_claimed,
    "completion_requested": _completion_requested,
    "applicant_replied": _applicant_replied,
    "case_decided": _case_decided,
    "status_changed": _status_changed,
    "deadline_extended": _deadline_extended,
    "delay_notice_sent": _delay_notice_sent,
    "case_closed": _case_closed,
    "case_reopened": _case_reopened,
    "personal_data_erased": _personal_data_erased,
}


def _count_suffix(count: Any) -> str:
    """A line counting files has its own words for none and one (`<key>.none`,
    `<key>.one`): "1 bifogad fil", not "1 bifogade filer"."""
    return {0: ".none", 1: ".one"}.get(count, "") if isinstance(count, int) else ""


def public_view(
    doc: dict[str, Any],
    lang: str,
    case_type_label: str,
    words: Callable[[str, str], str],
    status_text: Callable[[str, str], str] | None = None,
) -> dict[str, Any]:
    """The tracking document as the applicant reads it (no internal fields). `words(key,
    lang)` is the catalogue; `status_text` words a status for the applicant (the
    configured labels), the catalogue's built-in words otherwise."""

    def describe(status: str) -> str:
        if status_text is not None and status not in INTAKE_STATUSES:
            return status_text(status, lang)
        return words(f"status.{status}", lang) if status in BUILT_IN_STATUSES else status.replace("_", " ")

    def line(entry: dict[str, Any]) -> str:
        if "key" in entry:
            key = entry["key"] + _count_suffix(entry["params"].get("files"))
            params = {
                name.removesuffix("_key"): words(value, lang) if name.endswith("_key") else value
                for name, value in entry["params"].items()
            }
            return words(key, lang).format(**params)
        text = entry.get("text")  # lines stored before the catalogues: sv and en
        return (text.get(lang) or text.get("en", "")) if text else describe(entry["status"])

    decision = doc.get("decision")
    if decision:
        decision = {**decision, "outcome_text": words(f"outcome.{decision['outcome']}", lang)}
    return {
        "inquiry_id": doc["_id"],
        "reference": doc["reference"],
        "company": doc["company"],
        "personal_erased_on": doc.get("personal_erased_on"),
        "case_type": doc["case_type"],
        "case_type_label": case_type_label,
        "received_on": doc["received_on"],
        "promised_answer_by": doc["promised_answer_by"],
        "status": doc["status"],
        "status_text": describe(doc["status"]),
        "waiting_for": doc.get("waiting_for"),
        "reply_by": doc.get("reply_by"),
        "survey_open": doc["status"] == "closed" and not doc.get("survey_answered_on"),
        "survey_answered_on": doc.get("survey_answered_on"),
        # sent in the portal, not yet registered by the case handler
        "answered_on": doc.get("answered_on") if doc["status"] == "waiting_for_applicant" else None,
        "decision": decision,
        "delays": doc.get("delays", []),
        "documents": doc.get("documents", []),  # from the municipality
        # what the applicant sent: the inquiry's fields, then each answer and document
        "submitted": {
            "organisation_number": doc.get("organisation_number"),
            "company": doc.get("company"),
            "contact_name": doc.get("contact_name"),
            "email": doc.get("contact_email"),
            "phone": doc.get("contact_phone"),
            "description": doc.get("description"),
            "notify_by": doc.get("notify_by"),
        },
        "answers": doc.get("answers", []),
        "takes_documents": takes_documents(doc),
        "history": [
            {
                "at": entry["at"],
                "status": entry["status"],
                "text": line(entry),
            }
            for entry in doc["history"]
        ],
    }


def link_expired(doc: dict[str, Any], today: date, days_after_decision: int) -> bool:
    """A tracking link works until `days_after_decision` days after the decision."""
    decision = doc.get("decision")
    if not decision:
        return False
    return date.fromisoformat(decision["decided_on"]) + timedelta(days=days_after_decision) < today
