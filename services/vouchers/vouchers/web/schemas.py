"""Request and response schemas of the vouchers API (marshmallow; the OpenAPI document
is generated from them). Longer than most modules: one declaration per request and
response of the API, nothing else; split by resource it would only scatter them."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates
from stdnum.dk import cpr, cvr
from stdnum.exceptions import ValidationError as NumberError
from stdnum.se import orgnr, personnummer

from kernel.web.embedded import NEWEST_FIRST, head_schema, position_field
from kernel.web.fields import EmailAddress, MultiLineText, SingleLineText, WebAddress, WholeMatch
from kernel.web.paging import PageQuerySchema, SortKey, page_query
from vouchers.domain.providers import DECISIONS, OWNERSHIPS
from vouchers.i18n import offered_languages
from vouchers.readmodels.projections import CITIZEN_VOUCHERS_ORDER, PAYMENTS_ORDER, PROVIDERS_ORDER

DIGITS_AND_DASHES = WholeMatch(r"^[0-9+\- ]+$", error="Use digits (and - or +) only.")


def deployment_country() -> str:
    """The deployment's country (SE, DK: its case-type file's), whose numbers a citizen and
    an organisation are known by: a Swedish personnummer and organisationsnummer, or a Danish
    CPR and CVR number."""
    deps = current_app.extensions.get("vouchers.deps") if has_app_context() else None
    return str(getattr(deps, "country", "SE"))


def organisation_number(value: str, country: str | None = None) -> str:
    if (country or deployment_country()) == "DK":
        try:
            return str(cvr.compact(cvr.validate(value)))
        except NumberError as exc:
            raise ValidationError(f"Not a valid Danish CVR number ({exc}).") from None
    try:
        return str(orgnr.compact(orgnr.validate(value)))
    except NumberError as exc:
        raise ValidationError(f"Not a valid Swedish organisation number ({exc}).") from None


def valid_personnummer(value: str, country: str | None = None) -> tuple[str, Any]:
    """The citizen's number in its 12-digit form (yyyymmdd and the last four digits), and
    the birth date: a Swedish personnummer (coordination numbers too), or in a Danish
    deployment a CPR number (ddmmyy-nnnn, its century told by its seventh digit)."""
    if (country or deployment_country()) == "DK":
        try:
            number = cpr.validate(value)
            birth = cpr.get_birth_date(number)
        except NumberError as exc:
            raise ValidationError(f"Not a valid CPR number ({exc}).") from None
        return birth.strftime("%Y%m%d") + number[-4:], birth
    try:
        number = personnummer.validate(value)
        birth = personnummer.get_birth_date(number)
    except NumberError as exc:
        raise ValidationError(f"Not a valid personnummer ({exc}).") from None
    return birth.strftime("%Y%m%d") + personnummer.compact(number)[-4:], birth


class OfferedLanguage(validate.OneOf):
    """One of the languages the deployment offers (its country's, the pages' own: sv and en,
    or da and en), read when a value is checked and when the OpenAPI document is written,
    not when the schema is declared."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return offered_languages(deployment_country())

    @choices.setter
    def choices(self, _: object) -> None:
        pass

    @property  # type: ignore[override]
    def choices_text(self) -> str:
        return ", ".join(self.choices)

    @choices_text.setter
    def choices_text(self, _: object) -> None:
        pass


def national_language() -> str:
    """The deployment's national language (sv, da): a grant's emails' unless told otherwise."""
    return offered_languages(deployment_country())[0]


def offer_languages_in_openapi(spec: Any, country: str) -> None:
    """The OpenAPI document's grant names the deployment's email languages: it is written
    as the API's routes are registered, before the app knows its deployment."""
    grant = spec.components.schemas.get("Grant")
    if grant is not None:
        grant["properties"]["language"]["enum"] = list(offered_languages(country))


def signed_in_number(number: str | None) -> str | None:
    """The signed-in citizen's number as the vouchers know it: a Danish sign-in's CPR number
    (ddmmyynnnn) in its 12-digit form; a Swedish one as it is."""
    if not number or deployment_country() != "DK":
        return number
    try:
        return valid_personnummer(number, "DK")[0]
    except ValidationError:
        return number


# this module's own English messages (the API's) by the key the pages' catalogues know them by;
# a message that starts so is that message (the detail after it is python-stdnum's English)
MESSAGE_KEYS = {
    "Use digits (and - or +) only.": "error.digits",
    "Not a valid Swedish organisation number": "error.organisation_number",
    "Not a valid personnummer": "error.personnummer",
    "Not a valid Danish CVR number": "error.organisation_number.DK",
    "Not a valid CPR number": "error.personnummer.DK",
    "A year (2026), half (2026-H1), quarter (2026-Q3) or month (2026-09).": "error.period",
    "A month like 2026-10.": "error.month",
    "Letters, digits and . : / - _ only.": "error.report_id",
    "Use one line of text, without control characters.": "error.single_line",
    "Remove the control characters from the text.": "error.multi_line",
}


def message_key(message: str) -> str | None:
    return next((key for start, key in MESSAGE_KEYS.items() if message.startswith(start)), None)


class ApplicationSchema(Schema):
    organisation_number = SingleLineText(
        validate=[validate.Length(max=20), DIGITS_AND_DASHES],
        metadata={
            "description": "the deployment's country's: a Swedish organisationsnummer, a Danish CVR number; "
            "a provider's own is taken from their sign-in"
        },
    )
    name = SingleLineText(required=True, validate=validate.Length(min=2, max=200))
    ownership = fields.String(required=True, validate=validate.OneOf(OWNERSHIPS))
    categories = fields.List(
        SingleLineText(validate=validate.Length(max=50)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    contact_email = EmailAddress(required=True, validate=validate.Length(max=254))
    description = MultiLineText(required=True, validate=validate.Length(min=10, max=4000))
    website = WebAddress(load_default="", validate=validate.Length(max=300))

    @validates("organisation_number")
    def _check_organisation(self, value: str, **_: Any) -> None:
        organisation_number(value)


class DecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(list(DECISIONS)))
    reason = MultiLineText(required=True, validate=validate.Length(min=3, max=2000))


class QualitySchema(Schema):
    measure = SingleLineText(required=True, validate=validate.Length(max=50))
    value = fields.Float(required=True, allow_nan=False)
    period = fields.String(
        required=True,
        validate=WholeMatch(
            r"^\d{4}(-(0[1-9]|1[0-2]|H[12]|Q[1-4]))?$",
            error="A year (2026), half (2026-H1), quarter (2026-Q3) or month (2026-09).",
        ),
    )


class DefaultProviderSchema(Schema):
    provider_id = SingleLineText(required=True, validate=validate.Length(max=100))


class GrantSchema(Schema):
    programme = SingleLineText(required=True, validate=validate.Length(max=50))
    category = SingleLineText(required=True, validate=validate.Length(max=50))
    personnummer = SingleLineText(required=True, validate=[validate.Length(max=20), DIGITS_AND_DASHES])
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    language = fields.String(
        load_default=national_language,
        validate=OfferedLanguage(),
        metadata={
            "description": "The citizen's emails' language: one the deployment offers (a Swedish one "
            "sv or en, a Danish one da or en); its national language if left out"
        },
    )
    units_per_period = fields.Integer(load_default=None, validate=validate.Range(min=1, max=744))
    valid_from = fields.Date(load_default=None)
    name = SingleLineText(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "The citizen's name (optional): sealed; a provider sees its initials only"},
    )

    @validates("personnummer")
    def _check_personnummer(self, value: str, **_: Any) -> None:
        valid_personnummer(value)

    @post_load
    def _personnummer(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["personnummer"], data["birth_date"] = valid_personnummer(data["personnummer"])
        return data


class ChoiceSchema(Schema):
    provider_id = SingleLineText(required=True, validate=validate.Length(max=100))
    effective_from = fields.Date(
        load_default=None,
        metadata={"description": "For a switch: the day the new provider takes over (today if left out)"},
    )


class DeliverySchema(Schema):
    report_id = SingleLineText(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            WholeMatch(r"^[\w.:/-]+$", error="Letters, digits and . : / - _ only."),
        ],
    )
    units = fields.Integer(required=True, validate=validate.Range(min=1, max=744))
    delivered_on = fields.Date(required=True)


class OutcomeSchema(Schema):
    self_supporting_since = fields.Date(required=True)


class PaymentRunSchema(Schema):
    month = fields.String(
        required=True, validate=WholeMatch(r"^\d{4}-(0[1-9]|1[0-2])$", error="A month like 2026-10.")
    )


class PaymentsQuerySchema(PageQuerySchema):
    sort = PAYMENTS_ORDER
    month = fields.String(
        load_default=None, validate=WholeMatch(r"^\d{4}-(0[1-9]|1[0-2])$", error="A month like 2026-10.")
    )


PROGRAMMES_ORDER = SortKey.of(("id", 1))
ProgrammesQuerySchema = page_query(PROGRAMMES_ORDER, "ProgrammesQuerySchema")
ProvidersQuerySchema = page_query(PROVIDERS_ORDER, "ProvidersQuerySchema")
MyVouchersQuerySchema = page_query(CITIZEN_VOUCHERS_ORDER, "MyVouchersQuerySchema")
EmbeddedQuerySchema = page_query(NEWEST_FIRST, "VouchersEmbeddedListQuerySchema")


class YearQuerySchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class TextSchema(Schema):
    sv = fields.String()
    en = fields.String()
    da = fields.String()


class CategoryOut(Schema):
    id = fields.String()
    label = fields.Nested(TextSchema)
    units = fields.Integer(allow_none=True)
    amount_ore = fields.Integer(allow_none=True)
    unit_price_ore = fields.Integer(allow_none=True)


class ProgrammeOut(Schema):
    id = fields.String()
    name = fields.Nested(TextSchema)
    description = fields.Nested(TextSchema)
    unit = fields.Nested(TextSchema)
    period = fields.String()
    validity_months = fields.Integer()
    categories = fields.List(fields.Nested(CategoryOut))
    criteria = fields.List(fields.Nested(TextSchema))
    age_min = fields.Integer(allow_none=True)
    age_max = fields.Integer(allow_none=True)
    default_provider = fields.Boolean()
    default_provider_id = fields.String(allow_none=True)


class PublicProviderOut(Schema):
    provider_id = fields.String(attribute="_id")
    programme = fields.String()
    name = fields.String()
    ownership = fields.String()
    categories = fields.List(fields.String())
    description = fields.String()
    website = fields.String()
    status = fields.String()
    quality = fields.Dict()


class ProviderHistoryEntryOut(Schema):
    seq = position_field("in the provider's history")
    on = fields.String()
    status = fields.String()
    reason = fields.String()


class ProviderOut(
    PublicProviderOut,
    head_schema(
        "history",
        ProviderHistoryEntryOut,
        "decisions with reasons (not in the public profile)",
        "/providers/{id}/history",
    ),
):
    organisation_number = fields.String()
    contact_email = fields.String()


class TenureOut(Schema):
    seq = position_field("among the voucher's tenures")
    provider_id = fields.String()
    provider_name = fields.String()
    since = fields.String()
    until = fields.String(allow_none=True)
    how = fields.String()


class VoucherHistoryEntryOut(Schema):
    seq = position_field("in the voucher's history")
    on = fields.String()
    what = fields.String(
        metadata={
            "description": "granted, chosen, default, switched, switch_cancelled, delivered, bonus or erased"
        }
    )
    provider_name = fields.String(metadata={"description": "chosen, default, switched, switch_cancelled"})
    effective_from = fields.String(
        metadata={"description": "chosen, default, switched; switch_cancelled: the day it would have been"}
    )
    units = fields.Integer(metadata={"description": "delivered"})
    delivered_on = fields.String(metadata={"description": "delivered"})
    amount_ore = fields.Integer(metadata={"description": "delivered, bonus"})


class VoucherOut(
    head_schema("tenures", TenureOut, "providers the voucher was with", "/vouchers/{id}/tenures"),
    head_schema("history", VoucherHistoryEntryOut, "history entries", "/vouchers/{id}/history"),
):
    voucher_id = fields.String(attribute="_id")
    programme = fields.String()
    category = fields.String()
    period = fields.String()
    units_per_period = fields.Integer()
    period_value_ore = fields.Integer()
    valid_from = fields.String()
    valid_until = fields.String()
    granted_on = fields.String()
    provider_id = fields.String(allow_none=True)
    balance = fields.Dict(
        metadata={"description": "Units granted, used and left in the current period, and the value left"}
    )
    redeemed_ore = fields.Integer()


class RedemptionOut(Schema):
    voucher_id = fields.String()
    provider_id = fields.String()
    report_id = fields.String()
    units = fields.Integer()
    amount_ore = fields.Integer()
    delivered_on = fields.String()
    recorded_on = fields.String()
    period_key = fields.String()


class PaymentOut(Schema):
    payment_id = fields.String(attribute="_id")
    provider_id = fields.String()
    provider_name = fields.String()
    programme = fields.String()
    month = fields.String()
    total_ore = fields.Integer()
    lines = fields.List(fields.Dict())
    made_on = fields.String(attribute="on")


class PaymentRunOut(Schema):
    month = fields.String()
    payments = fields.List(fields.String())


class BudgetMonthOut(Schema):
    month = fields.String()
    redeemed_ore = fields.Integer()
    paid_ore = fields.Integer()


class BudgetOut(Schema):
    programme = fields.String()
    year = fields.Integer()
    budget_ore = fields.Integer()
    redeemed_ore = fields.Integer()
    paid_ore = fields.Integer()
    share_used = fields.Float(allow_none=True)
    forecast_ore = fields.Integer(
        metadata={"description": "Redeemed so far, straight-line over the whole year"}
    )
    forecast_share = fields.Float(allow_none=True)
    months = fields.List(fields.Nested(BudgetMonthOut))


class ComparisonRowOut(Schema):
    provider_id = fields.String()
    name = fields.String()
    ownership = fields.String()
    status = fields.String()
    categories = fields.List(fields.String())
    choosers_now = fields.Integer(
        metadata={"description": "Citizens whose voucher is with the provider today"}
    )
    choices = fields.Integer(
        metadata={"description": "Times the provider was chosen, assigned or switched to"}
    )
    default_assignments = fields.Integer()
    switched_in = fields.Integer()
    switched_out = fields.Integer()
    switch_in_rate = fields.Float(allow_none=True)
    switch_out_rate = fields.Float(allow_none=True)
    median_wait_days = fields.Float(
        allow_none=True, metadata={"description": "From the choice to the first delivery"}
    )
    waiting_now = fields.Integer(metadata={"description": "Choices with no delivery yet"})
    delivered_units = fields.Integer()
    granted_units = fields.Float()
    delivered_share = fields.Float(allow_none=True)
    quality = fields.Dict(metadata={"description": "The latest result per quality measure"})


class ComparisonOut(Schema):
    programme = fields.String()
    as_of = fields.String()
    providers = fields.List(fields.Nested(ComparisonRowOut))
    by_ownership = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
