"""Marshmallow schemas of the inquiry API; the OpenAPI document is generated from them.
Validation messages are keys or marshmallow's own English texts, translated on output.
Nothing here reads the environment: an inquiry's case type is checked against the case
types given, else those of the app's catalogue (read once, when the app was made)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from intake.domain.organisation import parse_organisation_number
from intake.i18n import languages
from kernel.web.embedded import head_schema, position_field
from kernel.web.fields import EmailAddress, MultiLineText, SingleLineText

PHONE = re.compile(r"^\+?[0-9 ()\-]{6,20}$")


class InquirySchema(Schema):
    """`case_types`: the ids an inquiry may name; None: the app's catalogue's (the API's
    and the pages' schemas are made before any app)."""

    def __init__(self, *args: Any, case_types: Collection[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._case_types = case_types

    def case_type_ids(self) -> Collection[str]:
        if self._case_types is not None:
            return self._case_types
        return current_app.extensions["intake.deps"].catalogue.case_types

    organisation_number = SingleLineText(
        required=True,
        metadata={"description": "Swedish organisationsnummer or Danish CVR", "example": "556036-0793"},
    )
    company = SingleLineText(required=True, validate=validate.Length(1, 200, error="text.length"))
    contact_name = SingleLineText(required=True, validate=validate.Length(1, 200, error="text.length"))
    email = EmailAddress(required=True, validate=validate.Length(max=254, error="text.length"))
    phone = SingleLineText(required=True)
    case_type = SingleLineText(required=True, metadata={"description": "id from GET /api/v1/case-types"})
    description = MultiLineText(required=True, validate=validate.Length(1, 5000, error="text.length"))
    language = fields.String(
        load_default=None, metadata={"description": "sv or en; da and en where the deployment is Danish"}
    )
    notify_by = fields.String(
        load_default="email",
        validate=validate.OneOf(["email", "sms", "email_and_sms"], error="notify_by.unknown"),
        metadata={
            "description": "How the applicant hears from us: email, sms (email if the SMS fails), or both"
        },
    )

    @validates("organisation_number")
    def _organisation_number(self, value: str, **_: object) -> None:
        try:
            parse_organisation_number(value)
        except ValueError as exc:
            raise ValidationError(f"org.{exc}") from None

    @validates("phone")
    def _phone(self, value: str, **_: object) -> None:
        if not PHONE.match(value.strip()):
            raise ValidationError("phone.invalid")

    @validates("case_type")
    def _case_type(self, value: str, **_: object) -> None:
        if value not in self.case_type_ids():
            raise ValidationError("case_type.unknown")

    @validates("language")
    def _language(self, value: str, **_: object) -> None:
        if value is not None and value not in languages():
            raise ValidationError("language.unknown")

    @post_load
    def _normalise(self, data: dict, **_: object) -> dict:
        country, number = parse_organisation_number(data["organisation_number"])
        data["organisation_country"] = country
        data["organisation_number"] = number
        data["language"] = data.get("language") or languages()[0]  # the deployment's own language
        return data


class ReceiptSchema(Schema):
    inquiry_id = fields.String()
    reference = fields.String()
    case_type = fields.String()
    received_on = fields.String(metadata={"format": "date"})
    promised_answer_by = fields.String(metadata={"format": "date"})
    tracking_url = fields.String()
    status = fields.String()


class HistoryEntrySchema(Schema):
    seq = position_field("in the case's history")
    at = fields.String()
    status = fields.String()
    text = fields.String()


class CaseSummarySchema(Schema):
    inquiry_id = fields.String()
    reference = fields.String()
    company = fields.String(allow_none=True)
    case_type = fields.String()
    case_type_label = fields.String()
    received_on = fields.String()
    promised_answer_by = fields.String()
    status = fields.String()
    status_text = fields.String()


class TrackingSchema(
    CaseSummarySchema, head_schema("history", HistoryEntrySchema, "history entries", "the case's /history")
):
    waiting_for = fields.String(allow_none=True)
    reply_by = fields.String(allow_none=True)
    decision = fields.Dict(allow_none=True)
    delays = fields.List(
        fields.Dict(),
        metadata={"description": "Delay notices (förvaltningslagen §11): sent_on, expected_by, reason"},
    )


class CaseTypeSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    target = fields.String()
    kind = fields.String()
    promised_answer_by_if_submitted_today = fields.Date()


class ErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()
    errors = fields.Dict()


class LinkReplacedSchema(Schema):
    status = fields.String(metadata={"description": "`replaced`: the old link no longer works"})
    message = fields.String()
