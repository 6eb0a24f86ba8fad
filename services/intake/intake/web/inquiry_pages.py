"""The inquiry form and its receipt."""

from __future__ import annotations

import contextlib
import uuid

from flask import render_template, request, session
from marshmallow import ValidationError

from intake import handlers
from intake.domain.inquiries import SubmitInquiry
from intake.domain.organisation import parse_organisation_number
from intake.i18n import languages, request_language, t
from intake.web.page_blueprint import deps, page_language, pages
from intake.web.schemas import InquirySchema
from kernel.web.forms import form_errors
from kernel.web.ratelimit import limited
from kernel.web.signin import session_principal

FORM_FIELDS = ("organisation_number", "company", "contact_name", "email", "phone", "case_type", "description")
# the form's order, as its errors are listed (the fields it shows after the inquiry's own)
FORM_ORDER = (*FORM_FIELDS, "notify_by", "language")


def form_labels(lang: str) -> dict[str, str]:
    """Each field's label; the organisation number's by the deployment's country (a
    Swedish deployment asks for an organisationsnummer, a Danish one for a CVR number)."""
    labels = {field: t(field, lang) for field in FORM_ORDER}
    labels["organisation_number"] = t(f"organisation_number.{deps().catalogue.country}", lang)
    return labels


def signed_in_values() -> dict[str, str]:
    """What the session already tells about the applicant: their name, their email when
    the sign-in gives an email claim and, when they represent one organisation, its number."""
    principal = session_principal()
    if principal.anonymous:
        return {}
    values = {"contact_name": principal.name} if principal.name else {}
    if principal.email:
        values["email"] = principal.email
    if len(principal.organisations) == 1:
        [number] = principal.organisations
        with contextlib.suppress(ValueError):
            values["organisation_number"] = parse_organisation_number(number)[1]
    return values


def submission_id_of(values: dict) -> str:
    """The form's submission id: the one it was sent with (a refused form shown again keeps
    it, so once corrected it is still one inquiry), else a new one."""
    sent = values.get("submission_id")
    return sent if handlers.inquiry_id_of(sent) else str(uuid.uuid4())


def _render_form(lang: str, values: dict, errors: dict, status: int = 200):  # type: ignore[no-untyped-def]
    catalogue = deps().catalogue
    today = deps().clock().date()
    case_types = [
        {
            "id": ct.id,
            "label": ct.label(lang),
            "target": ct.target.describe(lang),
            "promised": catalogue.calendar.due_date(today, ct.target).isoformat(),
        }
        for ct in catalogue.case_types.values()
    ]
    return (
        render_template(
            "form.html",
            lang=lang,
            t=lambda k: t(k, lang),
            values=values,
            errors=errors,
            case_types=case_types,
            fields=FORM_FIELDS,
            labels=form_labels(lang),
            languages=languages(),
            # the same for every send of this filled-in form: sent twice, it is one inquiry
            submission_id=submission_id_of(values),
        ),
        status,
    )


@pages.get("/")
def form():  # type: ignore[no-untyped-def]
    lang = page_language()
    chosen = request.args.get("case_type", "")
    values = {
        "language": lang,
        **signed_in_values(),
        **({"case_type": chosen} if chosen in deps().catalogue.case_types else {}),
    }
    return _render_form(lang, values, {})


def sent_values() -> dict[str, str]:
    values = {key: request.form.get(key, "") for key in (*FORM_FIELDS, "language", "submission_id")}
    values["notify_by"] = request.form.get("notify_by") or "email"
    return values


def refused_as_stale(lang: str):  # type: ignore[no-untyped-def]
    """The form again, all that was typed kept, told to send it once more (a new form token)."""
    values = sent_values()
    lang = values["language"] if values["language"] in languages() else lang
    return _render_form(lang, values, {"_schema": [t("form.stale", lang)]}, 400)


@pages.post("/")
@limited("submit")
def submit():  # type: ignore[no-untyped-def]
    values = sent_values()
    lang = values["language"] if values["language"] in languages() else request_language()
    try:
        data = InquirySchema().load({k: v for k, v in values.items() if k != "submission_id"})
    except ValidationError as exc:
        ordered = form_errors(exc.normalized_messages(), FORM_ORDER, lang)
        errors = {field: [t(m, lang) for m in messages] for field, messages in ordered.items()}
        return _render_form(lang, values, errors, 422)
    submission_id = values["submission_id"]
    try:
        submitted = handlers.submit(SubmitInquiry(**data), deps(), submission_id)
    except handlers.AlreadySubmitted:
        # a reload of the receipt, a double click, Back and send: the receipt once given
        kept = session.get("receipt")
        if kept and kept.get("submission_id") == submission_id:
            return _receipt_page(kept["receipt"], lang, 200)
        message = t("already_submitted", lang)
        return render_template("message.html", lang=lang, t=lambda k: t(k, lang), message=message), 200
    receipt = handlers.receipt(submitted, deps())
    session["receipt"] = {"submission_id": submission_id, "receipt": receipt}
    return _receipt_page(receipt, lang, 201)


def _receipt_page(receipt: dict, lang: str, status: int):  # type: ignore[no-untyped-def]
    label = deps().catalogue.get(receipt["case_type"]).label(lang)
    return render_template(
        "receipt.html", lang=lang, t=lambda k: t(k, lang), receipt=receipt, case_type_label=label
    ), status
