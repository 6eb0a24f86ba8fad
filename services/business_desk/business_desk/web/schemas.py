"""Marshmallow schemas of the case-handling API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from business_desk.domain import OUTCOMES
from business_desk.readmodels.cases import QUEUE_ORDER
from kernel.web.embedded import head_schema, position_field
from kernel.web.fields import MultiLineText, SingleLineText
from kernel.web.paging import PageQuerySchema


class CompletionRequestSchema(Schema):
    message = MultiLineText(
        required=True,
        validate=validate.Length(1, 5000),
        metadata={"description": "What the applicant must complete"},
    )
    reply_by = fields.Date(
        load_default=None, metadata={"description": "Defaults to 15 working days from today"}
    )


class ReplySchema(Schema):
    reply = MultiLineText(
        required=True,
        validate=validate.Length(1, 5000),
        metadata={"description": "What the applicant sent, in short"},
    )


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    answer = MultiLineText(
        required=True,
        validate=validate.Length(1, 20000),
        metadata={"description": "The written answer to the applicant"},
    )
    legal_reference = SingleLineText(
        load_default=None,
        validate=validate.Length(1, 500),
        metadata={"description": "The law the decision rests on; defaults to the case type's"},
    )


def _reason(description: str) -> fields.String:
    return MultiLineText(
        required=True, validate=validate.Length(1, 5000), metadata={"description": description}
    )


class AssignSchema(Schema):
    handler = SingleLineText(
        required=True,
        validate=validate.Length(1, 500),
        metadata={
            "description": "Who: the actor id (`<issuer>#<subject>` of their sign-in) of a member of "
            "the case type's team"
        },
    )


class NoteSchema(Schema):
    note = MultiLineText(
        required=True,
        validate=validate.Length(1, 10000),
        metadata={"description": "Internal; never shown to the applicant"},
    )


class StatusSchema(Schema):
    status = SingleLineText(required=True, metadata={"description": "A work status from the configuration"})


class ExtensionSchema(Schema):
    reason = _reason("Why the deadline must move (recorded on the case)")


class DelayNoticeSchema(Schema):
    reason = _reason("Why the decision is delayed, as the applicant will read it")
    expected_by = fields.Date(required=True, metadata={"description": "When the decision is now expected"})


class ReasonSchema(Schema):
    reason = _reason("Why")


QUEUE_STATUSES = ["open", "waiting", "overdue", "decided", "closed", "all"]


class QueueQuerySchema(PageQuerySchema):
    sort = QUEUE_ORDER

    status = fields.String(
        load_default="open",
        validate=validate.OneOf(QUEUE_STATUSES),
        metadata={
            "description": "open (default), waiting (for the applicant), overdue, decided, closed or all"
        },
    )
    handler = SingleLineText(
        load_default=None,
        validate=validate.Length(0, 500),
        metadata={
            "description": "Only the cases of this handler, by actor id (`<issuer>#<subject>`); "
            "`me`: the caller's own"
        },
    )
    unassigned = fields.Boolean(load_default=False, metadata={"description": "Only cases nobody has claimed"})
    q = SingleLineText(
        load_default="",
        validate=validate.Length(0, 200),
        metadata={"description": "Search reference, company and organisation number"},
    )


class CaseSummarySchema(Schema):
    id = fields.String(attribute="_id")
    reference = fields.String()
    case_type = fields.String()
    team = fields.String()
    company = fields.String(allow_none=True, metadata={"description": "null once personal data is erased"})
    organisation_number = fields.String(allow_none=True)
    phase = fields.String(
        metadata={"description": "open, in_progress, waiting_for_applicant, decided or closed"}
    )
    status = fields.String(
        metadata={"description": "The configurable status (a work status within in_progress)"}
    )
    handler = fields.String(allow_none=True, metadata={"description": "The handler's name, for showing"})
    handler_id = fields.String(
        allow_none=True,
        metadata={"description": "Who handles the case: `<issuer>#<subject>` of their sign-in"},
    )
    received_on = fields.String()
    due_date = fields.String()
    clock = fields.Dict(metadata={"description": "The processing-time clock as of today"})
    reply_by = fields.String(allow_none=True)
    opened_at = fields.String()


class HistoryEntrySchema(Schema):
    seq = position_field("in the case's history")
    at = fields.String()
    type = fields.String()
    text = fields.String()
    detail = fields.String(allow_none=True, metadata={"description": "Free text; null once erased"})


class NoteEntrySchema(Schema):
    seq = position_field("among the case's notes")
    at = fields.String()
    author = fields.String()
    author_id = fields.String(metadata={"description": "`<issuer>#<subject>` of the author's sign-in"})
    note = fields.String(allow_none=True, metadata={"description": "The note; null once erased"})


class CaseSchema(
    CaseSummarySchema,
    head_schema(
        "notes", NoteEntrySchema, "internal notes (their text null once erased)", "/cases/{id}/notes"
    ),
    head_schema("history", HistoryEntrySchema, "history entries", "/cases/{id}/history"),
):
    description = fields.String(allow_none=True)
    contact = fields.Dict(allow_none=True)
    personal_erased_on = fields.String(
        allow_none=True, metadata={"description": "When the case's personal data was erased"}
    )
    language = fields.String()
    waiting_for = fields.String(allow_none=True)
    decision = fields.Dict(allow_none=True)
    extension = fields.Dict(allow_none=True)
    delay_notices = fields.List(fields.Dict())
    warnings = fields.List(fields.Dict())
    closed = fields.Dict(allow_none=True)
    version = fields.Integer()


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    action = fields.String()
    record_type = fields.String()
    record_id = fields.String()
    actor = fields.String(allow_none=True, metadata={"description": "Who: `<issuer>#<subject>`"})
    subject = fields.String(allow_none=True)
    name = fields.String()
    roles = fields.List(fields.String())
    address = fields.String(allow_none=True)
    via = fields.String(allow_none=True)
