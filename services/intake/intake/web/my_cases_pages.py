"""My cases: the cases of the signed-in applicant's organisations, and each one's page,
letter, answer and survey."""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from flask import abort, redirect, render_template, request

from intake import handlers
from intake.i18n import t
from intake.readmodels.tracking import MY_CASES_ORDER
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
from kernel.web.auth import current_principal
from kernel.web.paging import PageRequest, page_from_args, pager_links
from kernel.web.signin import page_check, session_principal, signed_in


def my_case_and_language(inquiry_id: str) -> tuple[dict, str]:
    """A case of the signed-in applicant's organisations and its page language, or 404
    (another company's case is not told apart from none)."""
    doc = handlers.own_case(deps(), inquiry_id, current_principal())
    if doc is None:
        abort(404, description=t("not_found", page_language()))
    return doc, page_language(doc["language"])


def applicant_signed_in(view):  # type: ignore[no-untyped-def]
    """My cases: a visitor not signed in chooses how to sign in first."""

    @wraps(view)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        if session_principal().anonymous:
            return redirect(f"/sign-in?lang={page_language()}&next={quote(request.path)}")
        page_check("inquiry.mine")
        return view(*args, **kwargs)

    return wrapper


@pages.get("/my-cases")
@applicant_signed_in
def my_cases():  # type: ignore[no-untyped-def]
    principal, lang = current_principal(), page_language()
    asked = page_from_args(MY_CASES_ORDER, request.args)
    refused = asked if isinstance(asked, str) else None
    page = handlers.own_cases(deps(), principal, PageRequest() if refused else asked)  # type: ignore[arg-type]
    cases = [handlers.applicant_view(deps(), doc, lang) for doc in page.items]
    return render_template(
        "my_cases.html",
        lang=lang,
        t=lambda k: t(k, lang),
        cases=cases,
        user=principal,
        pager=pager_links(page),
        error=refused,
    ), 422 if refused else 200


@pages.get("/my-cases/<inquiry_id>")
@applicant_signed_in
def my_case(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return render_case(doc, lang, None, f"/my-cases/{inquiry_id}/decision.pdf")


def my_case_answer_budget(view_args: dict) -> int:
    """The same for My cases: signed in, and a case of one's own, before the body is read."""
    page_check("inquiry.mine")
    doc, _ = my_case_and_language(view_args["inquiry_id"])
    return upload_budget(deps(), doc)


@pages.post("/my-cases/<inquiry_id>/answer")
@signed_in("inquiry.mine")
def my_case_answer(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return answer(doc, lang, f"/my-cases/{inquiry_id}", None, f"/my-cases/{inquiry_id}/decision.pdf")


@pages.post("/my-cases/<inquiry_id>/document")
@signed_in("inquiry.mine")
def my_case_further_document(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return document(doc, lang, f"/my-cases/{inquiry_id}", None, f"/my-cases/{inquiry_id}/decision.pdf")


@pages.get("/my-cases/<inquiry_id>/files/<attachment_id>")
@signed_in("inquiry.mine")
def my_case_file(inquiry_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return own_file(doc, attachment_id, lang)


@pages.post("/my-cases/<inquiry_id>/survey")
@signed_in("inquiry.mine")
def my_case_survey(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return survey(doc, lang, f"/my-cases/{inquiry_id}", None, f"/my-cases/{inquiry_id}/decision.pdf")


@pages.get("/my-cases/<inquiry_id>/decision.pdf")
@signed_in("inquiry.mine")
def my_case_letter(inquiry_id: str):  # type: ignore[no-untyped-def]
    doc, lang = my_case_and_language(inquiry_id)
    return decision_pdf(doc, lang)


@pages.get("/my-cases/<inquiry_id>/documents/<document_id>")
@signed_in("inquiry.mine")
def my_case_document(inquiry_id: str, document_id: str):  # type: ignore[no-untyped-def]
    """A document from the municipality, for the case's signed-in owner."""
    doc, lang = my_case_and_language(inquiry_id)
    return municipality_document(doc, lang, document_id)
