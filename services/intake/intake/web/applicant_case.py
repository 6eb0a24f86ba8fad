"""The applicant's case page and what its forms do (the answer to a completion request,
the survey) and its decision letter: the same whether the case is opened by its tracking
link or from My cases."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, redirect, render_template, request

from catalogue.decision_letter import appeal
from intake import handlers
from intake.adapters import attachments, documents, messages
from intake.bootstrap import Deps
from intake.domain.inquiries import (
    MAX_NOTE_CHARS,
    MAX_SURVEY_COMMENT_CHARS,
    SURVEY_QUESTIONS,
    NothingToAnswer,
)
from intake.domain.tracking import takes_documents
from intake.i18n import t
from intake.web import letters
from intake.web.page_blueprint import deps, municipality
from kernel.web import formats
from kernel.web.fields import MULTI_LINE_MESSAGE, has_control, normalise_newlines, without_control
from kernel.web.signin import session_principal

# the answer form's fields, in its order (the error summary's)
ANSWER_FIELDS = ("answer", "files")
# the further document's form: its fields' ids (unlike the answer form's: both may be on one page)
DOCUMENT_FIELDS = ("document_note", "document_files")
# what the case page says after a form of its own was sent (?sent=...), by message key
SENT_NOTES = {"answer": "answer.sent", "survey": "survey.thanks", "document": "document.sent"}


def appeal_text(doc: dict, lang: str) -> list[str]:
    """How to appeal, as the decision email words it: the case type's text and, where the
    outcome can be appealed, the address to send the appeal to."""
    return appeal(deps().catalogue, doc["case_type"], lang, doc["reference"])


def render_case(  # type: ignore[no-untyped-def]
    doc: dict,
    lang: str,
    token: str | None,
    letter_url: str,
    answer_errors: dict[str, list[str]] | None = None,
    answer_text: str = "",
    survey_errors: dict[str, list[str]] | None = None,
    survey_values: dict[str, int] | None = None,
    survey_comment: str = "",
    document_errors: dict[str, list[str]] | None = None,
    document_note: str = "",
):
    view = handlers.applicant_view(deps(), doc, lang)
    case_url = letter_url.removesuffix("/decision.pdf")
    sent = request.args.get("sent", "")
    return render_template(
        "track.html",
        lang=lang,
        t=lambda k: t(k, lang),
        case=view,
        token=token,
        appeal=appeal_text(doc, lang),
        letter_url=f"{letter_url}?lang={lang}",
        answer_url=letter_url.replace("/decision.pdf", "/answer") + f"?lang={lang}",
        survey_url=letter_url.replace("/decision.pdf", "/survey") + f"?lang={lang}",
        messages=shown_messages(doc["reference"]),
        questions=SURVEY_QUESTIONS,
        max_files=attachments.MAX_FILES,
        max_mb=deps().settings.attachment_max_bytes // (1024 * 1024),
        answer_errors=answer_errors or {},
        answer_labels={"answer": t("answer_label.short", lang), "files": t("files_label.short", lang)},
        answer_text=answer_text,
        survey_errors=survey_errors or {},
        survey_labels={
            **{q: t(f"survey.{q}", lang) for q in SURVEY_QUESTIONS},
            "survey_comment": t("survey.comment_label.short", lang),
        },
        survey_values=survey_values or {},
        survey_comment=survey_comment,
        max_comment=MAX_SURVEY_COMMENT_CHARS,
        case_url=case_url,
        sent_note=t(SENT_NOTES[sent], lang) if sent in SENT_NOTES else None,
        document_url=letter_url.replace("/decision.pdf", "/document") + f"?lang={lang}",
        document_errors=document_errors or {},
        document_labels={
            "document_note": t("document.note_label.short", lang),
            "document_files": t("document.file_label.short", lang),
        },
        document_note=document_note,
        max_note=MAX_NOTE_CHARS,
        submitted_labels={"organisation_number": t(f"organisation_number.{deps().catalogue.country}", lang)},
        signed_in=not session_principal().anonymous,
    )


def shown_messages(reference: str) -> list[dict] | None:
    """The case's messages as the portal shows them (intake.adapters.messages.shown: never a text)."""
    found = deps().messages(reference)
    return None if found is None else [messages.shown(m) for m in found]


def decision_pdf(doc: dict, lang: str):  # type: ignore[no-untyped-def]
    """The decision as a PDF letter; 404 until there is a decision."""
    view = handlers.applicant_view(deps(), doc, lang)
    if not view["decision"]:
        abort(404, description=t("no_decision_yet", lang))
    pdf = letters.decision_letter(view, "\n".join(appeal_text(doc, lang)), municipality(lang)["name"], lang)
    name = f"{t('decision', lang).lower()}-{view['reference']}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


def municipality_document(doc: dict, lang: str, document_id: str):  # type: ignore[no-untyped-def]
    """A document the municipality sent with this case (the caller checked the visitor
    holds the case's link or owns it): only one the case's events named; another case's
    id, or an erased one, is 404 as if there were none."""
    if document_id not in {d["attachment_id"] for d in doc.get("documents") or []}:
        abort(404, description=t("not_found", lang))
    try:
        file = deps().documents(doc["_id"], document_id)
    except documents.Unavailable:
        abort(502, description=t("documents.unavailable", lang))
    if file is None:
        abort(404, description=t("not_found", lang))
    return Response(
        file.content, mimetype=file.content_type, headers={"Content-Disposition": file.disposition}
    )


def upload_budget(deps_: Deps, doc: dict) -> int:
    """The body an answer may have: files only while the case waits for the applicant's
    answer; the answer text alone otherwise."""
    if not (handlers.awaits_answer(doc) or takes_documents(doc)):
        return deps_.settings.max_request_bytes
    return attachments.MAX_FILES * deps_.settings.attachment_max_bytes + 256 * 1024


ANSWER_MAX_CHARS = 5000  # as the case handler's registered reply (business_desk's ReplySchema)
SCORES = {str(n) for n in range(1, 11)}


def answer(doc: dict, lang: str, back: str, token: str | None, letter_url: str):  # type: ignore[no-untyped-def]
    """Registers the applicant's answer, then leads back to the case page, which says it
    was sent. A refusal shows the case page again with the reason at its field and in the
    summary, what was typed still there (files must be chosen again: a browser never
    refills a file input)."""
    uploads = uploaded("files")
    text = request.form.get("answer", "")

    def refused(message: str, field: str = "answer"):  # type: ignore[no-untyped-def]
        kept = without_control(text, multi_line=True)
        page = render_case(doc, lang, token, letter_url, answer_errors={field: [message]}, answer_text=kept)
        return page, 422

    if has_control(text, multi_line=True):
        return refused(t(MULTI_LINE_MESSAGE, lang))
    if len(text.strip()) > ANSWER_MAX_CHARS:
        return refused(t("answer.too_long", lang, max=formats.number(ANSWER_MAX_CHARS, lang)))
    try:
        handlers.answer_completion(deps(), doc, normalise_newlines(text), uploads)
    except attachments.Rejected as rejected:
        named = f" ({rejected.filename})" if rejected.filename else ""
        return refused(t(rejected.key, lang) + named, "files")
    except ValueError:
        return refused(t("answer.empty", lang))
    except NothingToAnswer:
        abort(409, description=t("answer.nothing_to_answer", lang))
    return redirect(f"{back}?lang={lang}&sent=answer#sent", 303)


def uploaded(field: str) -> list[attachments.Upload]:
    """The files chosen in a form's file field (none chosen: an empty list)."""
    return [
        attachments.Upload(f.filename or "file", f.read())
        for f in request.files.getlist(field)
        if f and f.filename
    ]


def document(doc: dict, lang: str, back: str, token: str | None, letter_url: str):  # type: ignore[no-untyped-def]
    """Registers a further document after the answer, with its short note, then leads back
    to the case page, which says it was sent. A refusal shows the case page again with
    every reason at its field and in the summary, the note still there."""
    uploads = uploaded("document_files")
    note = request.form.get("document_note", "")
    errors: dict[str, list[str]] = {}
    if has_control(note, multi_line=True):
        errors["document_note"] = [t(MULTI_LINE_MESSAGE, lang)]
    elif len(normalise_newlines(note).strip()) > MAX_NOTE_CHARS:
        errors["document_note"] = [t("document.note_too_long", lang).format(max=MAX_NOTE_CHARS)]
    if not uploads:
        errors["document_files"] = [t("document.no_file", lang)]
    if not errors:
        try:
            handlers.send_document(deps(), doc, normalise_newlines(note), uploads)
        except attachments.Rejected as rejected:
            named = f" ({rejected.filename})" if rejected.filename else ""
            errors["document_files"] = [t(rejected.key, lang) + named]
        except NothingToAnswer:
            abort(409, description=t("document.closed", lang))
    if errors:
        kept = without_control(note, multi_line=True)
        return render_case(doc, lang, token, letter_url, document_errors=errors, document_note=kept), 422
    return redirect(f"{back}?lang={lang}&sent=document#sent", 303)


def own_file(doc: dict, attachment_id: str, lang: str):  # type: ignore[no-untyped-def]
    """A file the applicant sent with this case, for its own page only: a file of another
    case (or none) is 404, the same as an unknown one."""
    assert deps().attachments is not None
    found = deps().attachments.get(doc["_id"], attachment_id)
    if found is None:
        abort(404, description=t("not_found", lang))
    meta, data = found
    name = quote(handlers.attachment_name(doc, attachment_id))
    return Response(
        data,
        mimetype=meta["metadata"]["content_type"],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


def survey(doc: dict, lang: str, back: str, token: str | None, letter_url: str):  # type: ignore[no-untyped-def]
    """Registers the survey's answers and its optional comment, then leads back to the case
    page, which thanks the applicant. Every question left unanswered, and a comment refused,
    is shown at its place, the others still chosen and the comment still there."""
    chosen = {question: request.form.get(question, "") for question in SURVEY_QUESTIONS}
    # 1-10 written as such: "²" and "٣" are digits to str.isdigit, and int("²") fails
    scores = {q: int(raw) for q, raw in chosen.items() if raw in SCORES}
    errors = {q: [t("survey.incomplete", lang)] for q in SURVEY_QUESTIONS if q not in scores}
    comment = request.form.get("survey_comment", "")
    if has_control(comment, multi_line=True):
        errors["survey_comment"] = [t(MULTI_LINE_MESSAGE, lang)]
    elif len(normalise_newlines(comment).strip()) > MAX_SURVEY_COMMENT_CHARS:
        errors["survey_comment"] = [t("survey.comment_too_long", lang).format(max=MAX_SURVEY_COMMENT_CHARS)]

    def refused():  # type: ignore[no-untyped-def]
        kept = without_control(comment, multi_line=True)
        page = render_case(
            doc, lang, token, letter_url, survey_errors=errors, survey_values=scores, survey_comment=kept
        )
        return page, 422

    if errors:
        return refused()
    try:
        handlers.answer_survey(deps(), doc, scores, normalise_newlines(comment))
    except ValueError:
        return refused()
    except NothingToAnswer:
        abort(409, description=t("survey.closed", lang))
    return redirect(f"{back}?lang={lang}&sent=survey#sent", 303)
