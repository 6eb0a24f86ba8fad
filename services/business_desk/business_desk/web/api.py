"""The case handlers' JSON API. Longer than most modules: one short route per case command
over the helpers they share; split by resource it would only scatter them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from business_desk.bootstrap import Deps
from business_desk.domain import IllegalTransition
from business_desk.readmodels.case_projection import clock_now
from business_desk.readmodels.cases import QueueFilter
from business_desk.web import documents
from business_desk.web.commands import COMMANDS, CaseCommand, NotAPerson
from business_desk.web.schemas import (
    AssignSchema,
    AuditEntrySchema,
    CaseSchema,
    CaseSummarySchema,
    CompletionRequestSchema,
    DecisionSchema,
    DelayNoticeSchema,
    ExtensionSchema,
    HistoryEntrySchema,
    NoteEntrySchema,
    NoteSchema,
    QueueQuerySchema,
    ReasonSchema,
    ReplySchema,
    StatusSchema,
)
from kernel.privacy.audit import AUDIT_ORDER
from kernel.web.auth import Principal, check, current_principal, guarded, require
from kernel.web.embedded import NEWEST_FIRST, newest_first, with_head
from kernel.web.paging import Page, page_body, page_query, page_schema

blp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Case queues and case handling")

F = TypeVar("F", bound=Callable[..., Any])
AuditQuerySchema = page_query(AUDIT_ORDER, "AuditQuerySchema")
EmbeddedQuerySchema = page_query(NEWEST_FIRST, "EmbeddedListQuerySchema")
EMBEDDED_LISTS = ("history", "notes")


def deps() -> Deps:
    return current_app.extensions["business_desk.deps"]


def today():  # type: ignore[no-untyped-def]
    return deps().clock().date()


def with_clock(doc: dict) -> dict:
    """The case with its clock read today (share used and lateness grow while it is open)."""
    return {**doc, "clock": clock_now(doc, deps().catalogue, today())}


def as_resource(doc: dict) -> dict:
    """A case as the API answers it: its clock read today, and of its history and notes
    only the newest entries, with their count and the link to the older ones."""
    resource = with_clock(doc)
    for name in EMBEDDED_LISTS:
        resource = with_head(resource, name, f"{blp.url_prefix}/cases/{doc['_id']}/{name}")
    return resource


def _case_or_404(case_id: str) -> dict:
    doc = deps().cases.get(case_id)
    if doc is None:
        abort(404, message=f"No case {case_id}.")
    return doc


def _case_type_or_404(case_id: str) -> str:
    case_type = deps().cases.case_type_of(case_id)
    if case_type is None:
        abort(404, message=f"No case {case_id}.")
    return case_type


def _readable(doc: dict | None, missing: str) -> dict:
    """The stored case, once the caller may read it (the read goes into its audit trail)."""
    if doc is None:
        abort(404, message=missing)
    principal = check("case.read", doc["case_type"])
    audit("read", doc["_id"], principal)
    return doc


def _readable_case(doc: dict | None, missing: str) -> dict:
    return as_resource(_readable(doc, missing))


def audit(action: str, case_id: str, principal: Principal) -> None:
    if deps().audit is not None:
        deps().audit.record(principal, action, "case", case_id)


def on_case(command: CaseCommand) -> Callable[[F], F]:
    """Check the caller's role, then their reach over this case's type, before the body
    is even read; the step goes into the case's audit trail."""

    def before(_view: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        check(command.permission)
        principal = check(command.permission, _case_type_or_404(kwargs["case_id"]))
        audit(command.audit, kwargs["case_id"], principal)

    return guarded(before, command.permission)


def command_route(path: str) -> Callable[[F], F]:
    """The POST route of one case command (commands.COMMANDS[path]), guarded by `on_case`."""
    command = COMMANDS[path]

    def decorate(view: F) -> F:
        route = blp.route(f"/cases/<string:case_id>/{command.path}", methods=["POST"])
        return route(on_case(command)(view))

    return decorate


def run_command(path: str, case_id: str, values: Mapping[str, Any]) -> dict:
    """Run a command on a case `on_case` has already found and checked, as the signed-in
    user (issuer and subject), never a name the caller sends."""
    try:
        COMMANDS[path].run(deps(), case_id, current_principal().actor, values)
    except NotAPerson:
        abort(403, message="Only a signed-in person can work a case.")
    except IllegalTransition as exc:
        abort(409, message=str(exc))
    return as_resource(_case_or_404(case_id))


def _queue(query: dict, case_types: list[str]) -> dict:
    handler = current_principal().actor_id if query["handler"] == "me" else query["handler"]
    filter_ = QueueFilter.from_params(case_types, query["status"], handler, query["unassigned"], query["q"])
    return page_body(deps().cases.queue(filter_, today(), query["page"]).map(with_clock))


@blp.route("/queues/<string:case_type>")
class Queue(MethodView):
    @require("queue.read")
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, page_schema(CaseSummarySchema))
    def get(self, query: dict, case_type: str) -> dict:
        """The cases of one case type, due soonest first, filtered and searched."""
        if case_type not in deps().catalogue.case_types:
            abort(404, message=f"No case type {case_type}.")
        check("queue.read", case_type)
        return _queue(query, [case_type])


@blp.route("/teams/<string:team>/queue")
class TeamQueue(MethodView):
    @require("queue.read")
    @blp.arguments(QueueQuerySchema, location="query")
    @blp.response(200, page_schema(CaseSummarySchema))
    def get(self, query: dict, team: str) -> dict:
        """The cases of every case type of one team (those the caller may read), due soonest first."""
        catalogue = deps().catalogue
        case_types = [ct.id for ct in catalogue.case_types.values() if ct.team == team]
        if not case_types:
            abort(404, message=f"No team {team}.")
        _, matrix = current_app.extensions["kernel.web.auth"]
        readable = [ct for ct in case_types if matrix.allows(current_principal(), "queue.read", ct)]
        if not readable:
            check("queue.read", case_types[0])  # answers 403 with the reason
        return _queue(query, readable)


@blp.route("/cases/<string:case_id>")
class CaseResource(MethodView):
    @require("case.read")
    @blp.response(200, CaseSchema)
    def get(self, case_id: str) -> dict:
        """One case with its history."""
        return _readable_case(deps().cases.get(case_id), f"No case {case_id}.")


@blp.route("/cases/<string:case_id>/history")
class CaseHistory(MethodView):
    @require("case.read")
    @blp.arguments(EmbeddedQuerySchema, location="query")
    @blp.response(200, page_schema(HistoryEntrySchema))
    def get(self, query: dict, case_id: str) -> dict:
        """The case's history, newest first."""
        doc = _readable(deps().cases.get(case_id), f"No case {case_id}.")
        return page_body(newest_first(doc["history"], query["page"]))


@blp.route("/cases/<string:case_id>/notes")
class CaseNotes(MethodView):
    @require("case.read")
    @blp.arguments(EmbeddedQuerySchema, location="query")
    @blp.response(200, page_schema(NoteEntrySchema))
    def get(self, query: dict, case_id: str) -> dict:
        """The case's internal notes, newest first."""
        doc = _readable(deps().cases.get(case_id), f"No case {case_id}.")
        return page_body(newest_first(doc["notes"], query["page"]))


@blp.route("/cases/<string:case_id>/documents/<string:document_id>")
class CaseDocument(MethodView):
    @require("document.read")
    @blp.response(
        200, description="The document as the handler sent it", content_type="application/octet-stream"
    )
    def get(self, case_id: str, document_id: str):  # type: ignore[no-untyped-def]
        """A document a handler sent to the applicant with a request for completion or a
        decision (404: not one of this case's, or erased). intake's case page fetches it."""
        d = deps()
        case_type = d.cases.case_type_of(case_id)
        if case_type is None:
            abort(404, message="No such document.")
        check("document.read", case_type)
        found = documents.download(d, case_id, document_id)
        if found is None:
            abort(404, message="No such document.")
        data, content_type, disposition = found
        return Response(data, mimetype=content_type, headers={"Content-Disposition": disposition})


@blp.route("/cases/by-reference/<string:reference>")
class CaseByReference(MethodView):
    @require("case.read")
    @blp.response(200, CaseSchema)
    def get(self, reference: str) -> dict:
        """One case, found by the reference the applicant has."""
        return _readable_case(deps().cases.by_reference(reference), f"No case {reference}.")


@command_route("claim")
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def claim(case_id: str) -> dict:
    """Take the case (or take it over) as the signed-in handler."""
    return run_command("claim", case_id, {})


@command_route("release")
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def release(case_id: str) -> dict:
    """Give the case back to its queue, nobody's (only its own handler)."""
    return run_command("release", case_id, {})


@command_route("completion-request")
@blp.arguments(CompletionRequestSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def completion_request(body: dict, case_id: str) -> dict:
    """Ask the applicant to complete the case; the clock pauses."""
    return run_command("completion-request", case_id, body)


@command_route("applicant-reply")
@blp.arguments(ReplySchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def applicant_reply(body: dict, case_id: str) -> dict:
    """Register the applicant's completion; the clock resumes."""
    return run_command("applicant-reply", case_id, body)


@command_route("decision")
@blp.arguments(DecisionSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def decision(body: dict, case_id: str) -> dict:
    """Decide the case with a written answer to the applicant."""
    return run_command("decision", case_id, body)


@command_route("assign")
@blp.arguments(AssignSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state, or not a team member")
def assign(body: dict, case_id: str) -> dict:
    """Give the case to a member of its team, or move it to another (team leads)."""
    return run_command("assign", case_id, body)


@command_route("notes")
@blp.arguments(NoteSchema)
@blp.response(200, CaseSchema)
def add_note(body: dict, case_id: str) -> dict:
    """Add an internal note (never shown to the applicant)."""
    return run_command("notes", case_id, body)


@command_route("status")
@blp.arguments(StatusSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def change_status(body: dict, case_id: str) -> dict:
    """Set a work status (the clock keeps running)."""
    return run_command("status", case_id, body)


@command_route("extension")
@blp.arguments(ExtensionSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Already extended, or not allowed in the case's current state")
def extend(body: dict, case_id: str) -> dict:
    """Extend the deadline once, by the case type's extension, with a recorded reason."""
    return run_command("extension", case_id, body)


@command_route("delay-notice")
@blp.arguments(DelayNoticeSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def delay_notice(body: dict, case_id: str) -> dict:
    """Tell the applicant the decision will be delayed (förvaltningslagen §11)."""
    return run_command("delay-notice", case_id, body)


@command_route("close")
@blp.arguments(ReasonSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def close(body: dict, case_id: str) -> dict:
    """Close the case: filed after its decision, or withdrawn / written off without one."""
    return run_command("close", case_id, body)


@command_route("reopen")
@blp.arguments(ReasonSchema)
@blp.response(200, CaseSchema)
@blp.alt_response(409, description="Not allowed in the case's current state")
def reopen(body: dict, case_id: str) -> dict:
    """Reopen a decided or closed case; its clock runs again."""
    return run_command("reopen", case_id, body)


@blp.route("/cases/<string:case_id>/audit")
class CaseAudit(MethodView):
    @require("audit.read")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, page_schema(AuditEntrySchema))
    def get(self, query: dict, case_id: str) -> dict:
        """Who read or worked this case, and when (newest first)."""
        _case_type_or_404(case_id)
        if deps().audit is None:
            return page_body(Page([], query["page"].limit, 1, None, None))
        return page_body(deps().audit.for_record(case_id, query["page"]))
