"""The case page, with its history, notes and deliveries, and the files sent with it."""

from __future__ import annotations

from flask import Response, abort, g, render_template, request

from business_desk.adapters.attachments import Unavailable
from business_desk.domain import OUTCOMES
from business_desk.i18n import page_language, t
from business_desk.readmodels.case_projection import clock_now
from business_desk.web import documents as docs
from business_desk.web.page_blueprint import deps, pages
from business_desk.web.roster import roster_choices
from catalogue.decision_letter import decision_letter as written_decision
from kernel.web.embedded import NEWEST_FIRST, newest_first
from kernel.web.paging import page_or_first, pager_links
from kernel.web.signin import page_check


def decision_letter(
    case: dict,
    outcome: str,
    answer: str | None,
    legal_reference: str,
    handler: str,
    decided_on: str,
    documents: int = 0,
) -> dict:
    """The decision letter the applicant gets, in the applicant's language: the words of
    notify's decision email (catalogue.decision_letter), shown before and after deciding;
    `documents`, how many are attached (the letter says so, as the email does)."""
    contact = case.get("contact") or {}
    letter = written_decision(
        deps().catalogue,
        case["case_type"],
        case.get("language") or page_language(),
        reference=case["reference"],
        outcome=outcome,
        decided_on=decided_on,
        answer=answer,
        legal_reference=legal_reference,
        handler=handler,
        name=contact.get("name"),
        documents=documents,
    )
    erased = () if answer else (t("case.erased", page_language()),)
    body = letter.body[:2] + erased + letter.body[2:]
    return {
        "language": letter.language,
        "subject": letter.subject,
        "paragraphs": [letter.greeting, *body, *letter.closing],
    }


def render_case(  # type: ignore[no-untyped-def]
    case_id: str,
    error: str | None = None,
    status: int = 200,
    kept_action: str | None = None,
    errors: dict[str, list[str]] | None = None,
    preview: dict | None = None,
    documents: list[dict] | None = None,
):
    """`documents`: a decision's documents kept from its preview (pending uploads)."""
    d = deps()
    case = d.cases.get(case_id)
    if case is None:
        abort(404)
    principal = page_check("case.read", case["case_type"])
    if d.audit is not None:
        d.audit.record(principal, "read", "case", case_id)
    case_type = d.catalogue.get(case["case_type"])
    team = d.catalogue.team_of(case_type.id)
    # the history and the notes page each by their own link, newest first
    history, history_refused = page_or_first(
        NEWEST_FIRST, request.args, lambda page: newest_first(case["history"], page), param="history"
    )
    notes, notes_refused = page_or_first(
        NEWEST_FIRST, request.args, lambda page: newest_first(case["notes"], page), param="notes"
    )
    list_error = history_refused or notes_refused
    if list_error and status == 200:
        status = 422
    return (
        render_template(
            "case.html",
            case=case,
            history=history.items,
            history_pager=pager_links(history, "history"),
            notes=notes.items,
            notes_pager=pager_links(notes, "notes"),
            list_error=list_error,
            clock=clock_now(case, d.catalogue, d.clock().date()),
            today=d.clock().date().isoformat(),
            case_type=case_type,
            work_statuses=d.catalogue.work_statuses(),
            team=team,
            warning_shares=d.catalogue.warning_shares,
            assignees=roster_choices(d.catalogue, [case_type.id]),
            outcomes=OUTCOMES,
            error=error,
            kept=request.form if kept_action else {},
            kept_action=kept_action,
            errors=errors or {},
            user=g.principal,
            deliveries=d.deliveries(case["reference"]),
            preview=preview,
            documents=documents or [],
            max_document_mb=d.settings.document_max_bytes // (1024 * 1024),
            letter=_sent_letter(case),
        ),
        status,
    )


def _sent_letter(case: dict) -> dict | None:
    decision = case.get("decision")
    if not decision:
        return None
    return decision_letter(
        case,
        decision["outcome"],
        decision.get("answer"),
        decision["legal_reference"],
        decision["handler"],
        decision["decided_on"],
        len(decision.get("documents") or []),
    )


@pages.get("/cases/<case_id>")
def case_page(case_id: str):  # type: ignore[no-untyped-def]
    return render_case(case_id)


@pages.get("/cases/<case_id>/attachments/<attachment_id>")
def case_attachment(case_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    """A file the applicant sent with an answer, fetched from intake for the case's team."""
    d = deps()
    case_type = d.cases.case_type_of(case_id)
    if case_type is None:
        abort(404)
    principal = page_check("case.read", case_type)
    try:
        file = d.attachments(case_id, attachment_id)
    except Unavailable:
        abort(502, description=t("page.the_file_cannot_be_fetched", page_language()))
    if file is None:
        abort(404)
    if d.audit is not None:
        d.audit.record(principal, "read attachment", "case", case_id)
    return Response(
        file.content, mimetype=file.content_type, headers={"Content-Disposition": file.disposition}
    )


@pages.get("/cases/<case_id>/documents/<document_id>")
def case_document(case_id: str, document_id: str):  # type: ignore[no-untyped-def]
    """A document the case's handler sent to the applicant, for the case's team."""
    d = deps()
    case_type = d.cases.case_type_of(case_id)
    if case_type is None:
        abort(404)
    principal = page_check("case.read", case_type)
    found = docs.download(d, case_id, document_id)
    if found is None:
        abort(404)
    if d.audit is not None:
        d.audit.record(principal, "read document", "case", case_id)
    data, content_type, disposition = found
    return Response(data, mimetype=content_type, headers={"Content-Disposition": disposition})
