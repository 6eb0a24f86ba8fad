"""The case handlers' JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from business_desk import handlers
from business_desk.bootstrap import Deps
from business_desk.domain import IllegalTransition
from business_desk.readmodel import OPEN_STATUSES
from business_desk.schemas import (
    AuditEntrySchema,
    CaseSchema,
    CaseSummarySchema,
    CompletionRequestSchema,
    DecisionSchema,
    QueueQuerySchema,
    ReplySchema,
)
from kernel.auth import Principal, check, current_principal, guarded, require

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Case queues and case handling")

F = TypeVar("F", bound=Callable[..., Any])
STATUS_FILTERS = {"open": OPEN_STATUSES, "decided": ("decided",), "all": (*OPEN_STATUSES, "decided")}


def deps() -> Deps:
    return current_app.extensions["business_desk.deps"]


def _case_or_404(case_id: str) -> dict:
    doc = deps().cases.get(case_id)
    if doc is None:
        abort(404, message=f"No case {case_id}.")
    return doc


def _readable_case(doc: dict | None, missing: str) -> dict:
    if doc is None:
        abort(404, message=missing)
    principal = check("case.read", doc["case_type"])
    audit("read", doc["_id"], principal)
    return doc


def audit(action: str, case_id: str, principal: Principal) -> None:
    if deps().audit is not None:
        deps().audit.record(principal, action, "case", case_id)


def on_case(permission: str) -> Callable[[F], F]:
    """Check the caller's role, then their reach over this case's type, before the body
    is even read; the step goes into the case's audit trail."""

    def before(view: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        check(permission)
        principal = check(permission, _case_or_404(kwargs["case_id"])["case_type"])
        audit(view.__name__, kwargs["case_id"], principal)

    return guarded(before, permission)


def acting_handler() -> str:
    """Who does the step: the signed-in user, never a name the caller sends."""
    principal = current_principal()
    return principal.name or principal.subject or ""


def run_command(case_id: str, command: Callable[[], object]) -> dict:
    """Run a command on a case `on_case` has already found and checked."""
    try:
        command()
    except IllegalTransition as exc:
        abort(409, message=str(exc))
    return _case_or_404(case_id)


@blp.route("/queues/<string:case_type>")
class Queue(MethodView):
    @require("queue.read")
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, CaseSummarySchema(many=True))
    def get(self, query: dict, case_type: str) -> list:
        """The cases of one case type, due soonest first."""
        if case_type not in deps().catalogue.case_types:
            abort(404, message=f"No case type {case_type}.")
        check("queue.read", case_type)
        return deps().cases.queue(case_type, STATUS_FILTERS[query["status"]])


@blp.route("/cases/<string:case_id>")
class CaseResource(MethodView):
    @require("case.read")
    @blp.response(200, CaseSchema)
    def get(self, case_id: str) -> dict:
        """One case with its history."""
        return _readable_case(deps().cases.get(case_id), f"No case {case_id}.")


@blp.route("/cases/by-reference/<string:reference>")
class CaseByReference(MethodView):
    @require("case.read")
    @blp.response(200, CaseSchema)
    def get(self, reference: str) -> dict:
        """One case, found by the reference the applicant has."""
        return _readable_case(deps().cases.by_reference(reference), f"No case {reference}.")


@blp.route("/cases/<string:case_id>/claim", methods=["POST"])
@on_case("case.work")
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def claim(case_id: str) -> dict:
    """Take the case (or take it over) as the signed-in handler."""
    return run_command(case_id, lambda: handlers.claim(deps(), case_id, acting_handler()))


@blp.route("/cases/<string:case_id>/completion-request", methods=["POST"])
@on_case("case.work")
@blp.arguments(CompletionRequestSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def completion_request(body: dict, case_id: str) -> dict:
    """Ask the applicant to complete the case; the clock pauses."""
    return run_command(
        case_id,
        lambda: handlers.request_completion(
            deps(), case_id, acting_handler(), body["message"], body["reply_by"]
        ),
    )


@blp.route("/cases/<string:case_id>/applicant-reply", methods=["POST"])
@on_case("case.work")
@blp.arguments(ReplySchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def applicant_reply(body: dict, case_id: str) -> dict:
    """Register the applicant's completion; the clock resumes."""
    return run_command(case_id, lambda: handlers.register_reply(deps(), case_id, body["reply"]))


@blp.route("/cases/<string:case_id>/decision", methods=["POST"])
@on_case("case.work")
@blp.arguments(DecisionSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def decision(body: dict, case_id: str) -> dict:
    """Decide the case with a written answer to the applicant."""
    return run_command(
        case_id,
        lambda: handlers.decide(deps(), case_id, acting_handler(), body["outcome"], body["answer"]),
    )


@blp.route("/cases/<string:case_id>/audit")
class CaseAudit(MethodView):
    @require("audit.read")
    @blp.response(200, AuditEntrySchema(many=True))
    def get(self, case_id: str) -> list:
        """Who read or worked this case, and when (newest first)."""
        _case_or_404(case_id)
        return deps().audit.for_record(case_id) if deps().audit else []
