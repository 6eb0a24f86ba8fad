"""Finishing a case: the decision, closing, and reopening (after an appeal)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from business_desk.domain.case import ACTIVE, Case
from business_desk.domain.clocks import compute
from business_desk.domain.errors import IllegalTransition
from business_desk.domain.events import CASE_CLOSED, CASE_DECIDED, CASE_REOPENED, naming
from business_desk.domain.guards import ids, require, require_handler, require_text
from catalogue.casetypes import Catalogue
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import NewEvent

OUTCOMES = ("granted", "granted_with_conditions", "refused", "answered")


def decide(
    case: Case,
    handler: Actor,
    outcome: str,
    answer: str,
    today: date,
    catalogue: Catalogue,
    legal_reference: str | None = None,
    documents: list[dict] | None = None,
) -> list[NewEvent]:
    """`documents`: the files the handler attaches to the decision, described (stored
    already, checked by kernel.web.uploads)."""
    require(case, ("in_progress",), "decide")
    require_handler(case, handler)
    if outcome not in OUTCOMES:
        raise IllegalTransition("outcome must be one of %(allowed)s", allowed=", ".join(OUTCOMES))
    text = require_text(answer, "a decision needs a written answer")
    assert case.facts is not None
    facts = replace(case.facts, decided_on=today)
    clock = compute(facts, catalogue.get(case.case_type), catalogue.calendar, today)
    return [
        NewEvent(
            CASE_DECIDED,
            {
                **ids(case),
                **naming("handler", handler),
                "outcome": outcome,
                "legal_reference": (legal_reference or "").strip()
                or catalogue.get(case.case_type).legal_reference,
                "decided_on": today.isoformat(),
                "due_date": clock.due_date.isoformat(),
                "within_target": bool(clock.within_target_net),
                "gross_days": clock.gross_days,
                "document_count": len(documents or []),
                "subject_id": case.subject_id,
                "personal": {"answer": text, **({"documents": documents} if documents else {})},
            },
            schema_version=4,
        )
    ]


def close(case: Case, handler: Actor, reason: str, today: date) -> list[NewEvent]:
    """Close a decided case (filed), or an undecided one (withdrawn, written off) with a reason."""
    require(case, (*ACTIVE, "decided"), "close")
    text = require_text(reason, "say why the case is closed")
    return [
        NewEvent(
            CASE_CLOSED,
            {
                **ids(case),
                **naming("handler", handler),
                "closed_on": today.isoformat(),
                "decided": case.phase == "decided",
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]


def reopen(case: Case, handler: Actor, reason: str, today: date) -> list[NewEvent]:
    """Reopen a decided or closed case (e.g. after an appeal); the clock runs again."""
    require(case, ("decided", "closed"), "reopen")
    if case.personal_erased:
        raise IllegalTransition("the case's personal data has been erased; open a new case instead")
    text = require_text(reason, "say why the case is reopened")
    return [
        NewEvent(
            CASE_REOPENED,
            {
                **ids(case),
                **naming("handler", handler),
                "reopened_on": today.isoformat(),
                "subject_id": case.subject_id,
                "personal": {"reason": text},
            },
            schema_version=2,
        )
    ]
