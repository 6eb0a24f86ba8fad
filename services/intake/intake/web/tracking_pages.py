"""The case as its tracking link shows it: the page, the letter, the answer, the survey
and a new link."""

from __future__ import annotations

from flask import abort, render_template

from intake import handlers
from intake.domain.inquiries import LinkNotReplaceable
from intake.handlers import LinkRefused
from intake.i18n import t
from intake.web.applicant_case import (
    answer,
    decision_pdf,
    document,
    municipality_document,
    own_file,
    render_case,
    survey,
    upload_budget,
)
from intake.web.page_blueprint import deps, page_language, pages
from kernel.web.ratelimit import limited


def tracked_case(token: str) -> tuple[dict, str]:
    """The case a tracking link leads to and the language to show it in, or a page
    saying why the link leads nowhere."""
    try:
        doc = handlers.case_by_link(deps(), token)
    except LinkRefused as refused:
        abort(refused.status, description=t(refused.reason, page_language(refused.language)))
    return doc, page_language(doc["language"])


@pages.get("/track/<token>")
@limited("tracking")
def track(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return render_case(doc, lang, token, f"/track/{token}/decision.pdf")


@pages.get("/track/<token>/decision.pdf")
@limited("tracking")
def track_letter(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return decision_pdf(doc, lang)


@pages.get("/track/<token>/documents/<document_id>")
@limited("tracking")
def track_document(token: str, document_id: str):  # type: ignore[no-untyped-def]
    """A document from the municipality, for the holder of the case's tracking link."""
    doc, lang = tracked_case(token)
    return municipality_document(doc, lang, document_id)


def track_answer_budget(view_args: dict) -> int:
    """Checked before the body is read (the CSRF check included): an unknown, replaced or
    expired link is refused before a byte of a 50 MB upload is parsed."""
    doc, _ = tracked_case(view_args["token"])
    return upload_budget(deps(), doc)


@pages.post("/track/<token>/answer")
@limited("tracking")
def track_answer(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return answer(doc, lang, f"/track/{token}", token, f"/track/{token}/decision.pdf")


@pages.post("/track/<token>/document")
@limited("tracking")
def track_further_document(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return document(doc, lang, f"/track/{token}", token, f"/track/{token}/decision.pdf")


@pages.get("/track/<token>/files/<attachment_id>")
@limited("tracking")
def track_file(token: str, attachment_id: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return own_file(doc, attachment_id, lang)


@pages.post("/track/<token>/survey")
@limited("tracking")
def track_survey(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    return survey(doc, lang, f"/track/{token}", token, f"/track/{token}/decision.pdf")


@pages.post("/track/<token>/new-link")
@limited("tracking")
def new_link(token: str):  # type: ignore[no-untyped-def]
    doc, lang = tracked_case(token)
    try:
        handlers.replace_tracking_link(deps(), doc["_id"], "applicant")
    except LinkNotReplaceable:
        abort(409, description=t("new_link_impossible", lang))
    return render_template(
        "message.html", lang=lang, t=lambda k: t(k, lang), message=t("new_link_sent", lang)
    )
