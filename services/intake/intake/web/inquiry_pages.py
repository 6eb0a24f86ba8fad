"""The inquiry form and its receipt."""

from __future__ import annotations

from flask import render_template, request
from marshmallow import ValidationError

from intake import handlers
from intake.domain.inquiries import SubmitInquiry
from intake.i18n import languages, request_language, t
from intake.web.page_blueprint import deps, page_language, pages
from intake.web.schemas import InquirySchema
from kernel.web.ratelimit import limited

FORM_FIELDS = ("organisation_number", "company", "contact_name", "email", "phone", "case_type", "description")


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
            languages=languages(),
        ),
        status,
    )


@pages.get("/")
def form():  # type: ignore[no-untyped-def]
    lang = page_language()
    chosen = request.args.get("case_type", "")
    values = {"language": lang, **({"case_type": chosen} if chosen in deps().catalogue.case_types else {})}
    return _render_form(lang, values, {})


@pages.post("/")
@limited("submit")
def submit():  # type: ignore[no-untyped-def]
    values = {key: request.form.get(key, "") for key in (*FORM_FIELDS, "language")}
    values["notify_by"] = request.form.get("notify_by") or "email"
    lang = values["language"] if values["language"] in languages() else request_language()
    try:
        data = InquirySchema().load(values)
    except ValidationError as exc:
        errors = {
            field: [t(m, lang) for m in messages] for field, messages in exc.normalized_messages().items()
        }
        return _render_form(lang, values, errors, 422)
    submitted = handlers.submit(SubmitInquiry(**data), deps())
    receipt = handlers.receipt(submitted, deps())
    label = deps().catalogue.get(receipt["case_type"]).label(lang)
    return render_template(
        "receipt.html", lang=lang, t=lambda k: t(k, lang), receipt=receipt, case_type_label=label
    ), 201
