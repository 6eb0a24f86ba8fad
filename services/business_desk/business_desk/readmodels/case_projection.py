"""The case view handlers read in queues and on the case page, derived from case events and
the rules in force (the catalogue): the clock figures are recomputed on every event, so a
rebuild under changed rules recomputes every past case. Pure.

Kept in one module: one fold, its steps by event type beside the history lines and the clock they feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from business_desk import domain
from business_desk.domain.clocks import Clock, ClockFacts, Pause, compute
from business_desk.readmodels.search import tokens
from catalogue.casetypes import Catalogue
from kernel.eventsourcing.envelope import Envelope

# A history line per event type: the English line and the event's fields it names (the page
# words it in its language, by the key `history.<event type>`; `text` keeps the English line
# for the API).
HISTORY_LINES: dict[str, tuple[str, tuple[str, ...]]] = {
    domain.CASE_OPENED: ("Case opened from the online inquiry.", ()),
    domain.CASE_CLAIMED: ("Claimed by %(handler)s.", ("handler",)),
    domain.CASE_ASSIGNED: ("Assigned to %(handler)s by %(assigned_by)s.", ("handler", "assigned_by")),
    domain.CASE_RELEASED: (
        "Released by %(handler)s back to the queue (was %(previous_handler)s's).",
        ("handler", "previous_handler"),
    ),
    domain.NOTE_ADDED: ("Internal note by %(author)s.", ("author",)),
    domain.STATUS_CHANGED: ("Status set to %(status)s by %(handler)s.", ("status", "handler")),
    domain.COMPLETION_REQUESTED: (
        "Completion requested by %(handler)s, reply by %(reply_by)s.",
        ("handler", "reply_by"),
    ),
    domain.APPLICANT_REPLIED: ("Applicant replied; clock resumed, due %(due_date)s.", ("due_date",)),
    # the reasons are the history line's `detail`, sealed with the rest of the free texts
    domain.DEADLINE_EXTENDED: ("Deadline extended by %(handler)s to %(due_date)s.", ("handler", "due_date")),
    domain.DELAY_NOTICE_SENT: (
        "Delay notice (FL §11) sent by %(handler)s; decision expected by %(expected_by)s.",
        ("handler", "expected_by"),
    ),
    domain.DEADLINE_WARNING_ISSUED: (
        "Warning: %(percent)s %% of the time used, due %(due_date)s.",
        ("percent", "due_date"),
    ),
    domain.CASE_DECIDED: ("Decided by %(handler)s: %(outcome)s.", ("handler", "outcome")),
    domain.CASE_CLOSED: ("Closed by %(handler)s.", ("handler",)),
    domain.CASE_REOPENED: ("Reopened by %(handler)s.", ("handler",)),
    domain.PERSONAL_DATA_ERASED: ("Personal data erased (%(reason)s).", ("reason",)),
}


def _entry(event: Envelope) -> dict[str, Any]:
    """A history line: `text` and `params` hold no personal data, `detail` does (and is erased)."""
    d = event.data
    personal = d.get("personal") or {}
    line = HISTORY_LINES.get(event.type)
    fields = {**d, "percent": round((d.get("share") or 0) * 100)}
    params = {name: fields.get(name) for name in line[1]} if line else None
    text = line[0] % params if line else event.type
    detail = (
        personal.get("message")
        or personal.get("reply")
        or personal.get("note")
        or personal.get("reason")
        or d.get("legacy_reason")  # an event from before reasons were sealed
    )
    return {
        "at": event.occurred_at,
        "type": event.type.removeprefix("business_desk."),
        "text": text,
        "params": params,
        "detail": detail,
        "attachments": personal.get("attachments") or [],
        "documents": personal.get("documents") or [],  # the handler's, sent to the applicant
    }


def facts_from_doc(doc: dict[str, Any]) -> ClockFacts:
    f = doc["facts"]
    day = date.fromisoformat
    return ClockFacts(
        received_on=day(f["received_on"]),
        completed_on=day(f["completed_on"]) if f.get("completed_on") else None,
        pauses=[Pause(day(a), day(b) if b else None) for a, b in f["pauses"]],
        extended=f["extended"],
        decided_on=day(f["decided_on"]) if f.get("decided_on") else None,
        closed_on=day(f["closed_on"]) if f.get("closed_on") else None,
        statuses=[(s, day(since)) for s, since in f["statuses"]],
    )


def _facts_doc(facts: ClockFacts) -> dict[str, Any]:
    iso = date.isoformat
    return {
        "received_on": iso(facts.received_on),
        "completed_on": iso(facts.completed_on) if facts.completed_on else None,
        "pauses": [[iso(p.start), iso(p.end) if p.end else None] for p in facts.pauses],
        "extended": facts.extended,
        "decided_on": iso(facts.decided_on) if facts.decided_on else None,
        "closed_on": iso(facts.closed_on) if facts.closed_on else None,
        "statuses": [[s, iso(since)] for s, since in facts.statuses],
    }


def clock_doc(clock: Clock) -> dict[str, Any]:
    return {
        "started_on": clock.started_on.isoformat(),
        "due_date": clock.due_date.isoformat(),
        "promised_on": clock.promised_on.isoformat(),
        "net_days": clock.net_days,
        "gross_days": clock.gross_days,
        "paused_days": clock.paused_days,
        "share_used": clock.share_used,
        "days_late": clock.days_late,
        "finished": clock.finished,
        "within_target_net": clock.within_target_net,
        "within_target_gross": clock.within_target_gross,
        "fee_reduction_fifths": clock.fee_reduction_fifths,
        "section12_on": clock.section12_on.isoformat(),
        "section12_due": clock.section12_due.isoformat(),
        "time_in_status": clock.time_in_status,
    }


def clock_now(doc: dict[str, Any], catalogue: Catalogue, today: date) -> dict[str, Any]:
    """The case's clock read today (an open case's share used and lateness grow daily)."""
    case_type = catalogue.get(doc["case_type"])
    return clock_doc(compute(facts_from_doc(doc), case_type, catalogue.calendar, today))


def _search_tokens(doc: dict[str, Any]) -> list[str]:
    """The words a queue is searched by, kept in clear (a search index cannot be sealed):
    the reference, the company's name and its organisation number, nothing the applicant
    wrote about themselves (see the README's personal data section)."""
    return tokens(doc["reference"], doc.get("company"), doc.get("organisation_number"))


def evolve(
    doc: dict[str, Any] | None, event: Envelope, catalogue: Catalogue, settled: bool = True
) -> dict[str, Any] | None:
    """The case document after one more event (None: the event changes nothing). Not
    `settled`, its clock and search tokens are left for `settle` (a rebuild settles each
    case once, after its last event, rather than after every one)."""
    if event.type == domain.CASE_OPENED:
        if doc is not None:
            return None
        doc = _opened(event)
    elif doc is None or event.version <= doc["version"]:
        return None
    else:
        doc = {**doc, "version": event.version, "history": [*doc["history"], _entry(event)]}
        _apply(doc, event)
    if settled:
        settle(doc, catalogue)
    return doc


def settle(doc: dict[str, Any], catalogue: Catalogue) -> None:
    """The clock as of the case's last event (the last history line), under the rules in
    force, and its search tokens."""
    as_of = max(doc["history"][-1]["at"][:10], doc["received_on"])
    doc["clock"] = clock_now(doc, catalogue, date.fromisoformat(as_of))
    doc["due_date"] = doc["clock"]["due_date"]
    doc["search"] = _search_tokens(doc)


def _opened(event: Envelope) -> dict[str, Any]:
    d = event.data
    personal = d["personal"] or {}
    received_on = date.fromisoformat(d["received_on"])
    facts = ClockFacts(received_on=received_on)
    facts.enter("open", received_on)
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
        "phase": "open",
        "status": "open",
        "handler": None,  # the name, for showing; handler_id says who
        "handler_id": None,
        "waiting_for": None,
        "reply_by": None,
        "decision": None,
        "extension": None,
        "delay_notices": [],
        "warnings": [],
        "notes": [],
        "closed": None,
        "facts": _facts_doc(facts),
        "opened_at": event.occurred_at,
        "version": event.version,
        "history": [_entry(event)],
    }


def _apply(doc: dict[str, Any], event: Envelope) -> None:
    case = domain.Case(
        case_type=doc["case_type"],
        phase=doc["phase"],
        status=doc["status"],
        handler=domain.named(doc, "handler"),
        facts=facts_from_doc(doc),
    )
    case.apply(event)  # the aggregate's own rules move the phase, status and clock facts
    handler = case.handler
    doc.update(
        phase=case.phase,
        status=case.status,
        handler=handler.name if handler else None,
        handler_id=handler.id if handler else None,
        facts=_facts_doc(case.facts),  # type: ignore[arg-type]
    )
    step = STEPS.get(event.type)
    if step is not None:
        step(doc, event.data, event.data.get("personal") or {}, event.occurred_at)


# One step per event type that the case document keeps more of than the aggregate's phase,
# status, handler and clock: (the document, changed in place; the event's data; its opened
# personal fields, {} once erased; when it happened).
Step = Callable[[dict[str, Any], dict[str, Any], dict[str, Any], str], None]


def _note_added(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    note = {"at": at, "author": d["author"], "author_id": d["author_id"]}
    doc["notes"] = [*doc["notes"], {**note, "note": personal.get("note")}]


def _completion_requested(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(waiting_for=personal.get("message"), reply_by=d["reply_by"])


def _applicant_replied(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(waiting_for=None, reply_by=None)


def _deadline_extended(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["extension"] = {"reason": _reason(d, personal), "on": d["extended_on"], **_by(d)}


def _delay_notice_sent(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    notice = {"sent_on": d["sent_on"], "expected_by": d["expected_by"], "reason": personal.get("reason")}
    doc["delay_notices"] = [*doc["delay_notices"], notice]


def _warning_issued(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["warnings"] = [*doc["warnings"], {"share": d["share"], "on": d["warned_on"]}]


def _decided(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["decision"] = {
        **{k: d[k] for k in ("outcome", "legal_reference", "decided_on", "handler", "handler_id")},
        "answer": personal.get("answer"),
        "documents": personal.get("documents") or [],
    }


def _closed(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc["closed"] = {"on": d["closed_on"], "reason": _reason(d, personal), **_by(d)}


def _reopened(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(closed=None, decision=None, warnings=[], waiting_for=None, reply_by=None)


def _personal_data_erased(doc: dict[str, Any], d: dict[str, Any], personal: dict[str, Any], at: str) -> None:
    doc.update(
        company=None,
        organisation_number=None,
        contact=None,
        description=None,
        waiting_for=None,
        personal_erased_on=d["erased_on"],
        # the files' names are the sender's words: they go too (the files are deleted)
        history=[{**h, "detail": None, "attachments": [], "documents": []} for h in doc["history"]],
        notes=[{**n, "note": None} for n in doc["notes"]],
        delay_notices=[{**n, "reason": None} for n in doc["delay_notices"]],
    )
    if doc["decision"]:
        doc["decision"] = {**doc["decision"], "answer": None, "documents": []}
    for step in ("extension", "closed"):
        if doc.get(step):
            doc[step] = {**doc[step], "reason": None}


STEPS: dict[str, Step] = {
    domain.NOTE_ADDED: _note_added,
    domain.COMPLETION_REQUESTED: _completion_requested,
    domain.APPLICANT_REPLIED: _applicant_replied,
    domain.DEADLINE_EXTENDED: _deadline_extended,
    domain.DELAY_NOTICE_SENT: _delay_notice_sent,
    domain.DEADLINE_WARNING_ISSUED: _warning_issued,
    domain.CASE_DECIDED: _decided,
    domain.CASE_CLOSED: _closed,
    domain.CASE_REOPENED: _reopened,
    domain.PERSONAL_DATA_ERASED: _personal_data_erased,
}


def _reason(data: dict[str, Any], personal: dict[str, Any]) -> str | None:
    """A step's recorded reason (`legacy_reason`: an event from before reasons were sealed)."""
    return personal.get("reason") or data.get("legacy_reason")


def _by(data: dict[str, Any]) -> dict[str, Any]:
    """Who took a step: their name, for showing, and who they are."""
    return {"by": data["handler"], "by_id": data["handler_id"]}
