"""What every command checks before it decides: the case exists and is in a phase that
allows the step, the acting handler is the case's own, a free text is not blank."""

from __future__ import annotations

from business_desk.domain.case import Case
from business_desk.domain.errors import IllegalTransition
from kernel.domain.actors import Actor


def require(case: Case, phases: tuple[str, ...], action: str) -> None:
    if not case.exists:
        raise LookupError("no such case")
    if case.phase not in phases:
        claim_first = case.phase == "open" and "in_progress" in phases
        message = "cannot %(action)s a case that is %(phase)s" + ("; claim it first" if claim_first else "")
        raise IllegalTransition(message, action=action, phase=case.phase.replace("_", " "))


def require_handler(case: Case, handler: Actor) -> None:
    """Only the case's own handler, told apart by who they are, never by their name."""
    if case.handler is None or case.handler.id != handler.id:
        if case.handler is None:
            raise IllegalTransition("nobody handles the case yet; claim it first")
        raise IllegalTransition(
            "the case is handled by %(handler)s; claim it first", handler=case.handler.name
        )


def require_text(text: str, why: str) -> str:
    if not text.strip():
        raise IllegalTransition(why)
    return text.strip()


def ids(case: Case) -> dict[str, str]:
    return {"case_id": case.case_id, "reference": case.reference}
