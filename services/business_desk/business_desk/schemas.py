"""Marshmallow schemas of the case-handling API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from business_desk.domain import OUTCOMES


class CompletionRequestSchema(Schema):
    message = fields.String(
        required=True,
        validate=validate.Length(1, 5000),
        metadata={"description": "What the applicant must complete"},
    )
    reply_by = fields.Date(
        load_default=None, metadata={"description": "Defaults to 15 working days from today"}
    )


class ReplySchema(Schema):
    reply = fields.String(
        required=True,
        validate=validate.Length(1, 5000),
        metadata={"description": "What the applicant sent, in short"},
    )


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    answer = fields.String(
        required=True,
        validate=validate.Length(1, 20000),
        metadata={"description": "The written answer to the applicant"},
    )


class QueueQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "decided", "all"]))


class CaseSummarySchema(Schema):
    id = fields.String(attribute="_id")
    reference = fields.String()
    case_type = fields.String()
    team = fields.String()
    company = fields.String(allow_none=True, metadata={"description": "null once personal data is erased"})
    organisation_number = fields.String(allow_none=True)
    status = fields.String()
    handler = fields.String(allow_none=True)
    received_on = fields.String()
    due_date = fields.String()
    reply_by = fields.String(allow_none=True)
    opened_at = fields.String()


class HistoryEntrySchema(Schema):
    at = fields.String()
    type = fields.String()
    text = fields.String()
    detail = fields.String(allow_none=True, metadata={"description": "Free text; null once erased"})


class CaseSchema(CaseSummarySchema):
    description = fields.String(allow_none=True)
    contact = fields.Dict(allow_none=True)
    personal_erased_on = fields.String(
        allow_none=True, metadata={"description": "When the case's personal data was erased"}
    )
    language = fields.String()
    waiting_for = fields.String(allow_none=True)
    decision = fields.Dict(allow_none=True)
    version = fields.Integer()
    history = fields.List(fields.Nested(HistoryEntrySchema))


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    action = fields.String()
    record_type = fields.String()
    record_id = fields.String()
    subject = fields.String(allow_none=True)
    name = fields.String()
    roles = fields.List(fields.String())
    address = fields.String(allow_none=True)
    via = fields.String(allow_none=True)
