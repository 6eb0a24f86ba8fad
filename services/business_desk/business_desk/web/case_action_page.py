"""The case page's actions: each form read as the API reads its command's body, then the
command run from the one table of case commands (business_desk.web.commands)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, redirect, request, url_for
from marshmallow import Schema, ValidationError, missing
from marshmallow.fields import Field

from business_desk.domain import Case, IllegalTransition, stream_id_for
from business_desk.domain import decide as domain_decide
from business_desk.i18n import key_of, page_language, refusal, t
from business_desk.web import documents as docs
from business_desk.web.case_page import decision_letter, render_case
from business_desk.web.commands import PAGE_COMMANDS, CaseCommand
from business_desk.web.page_blueprint import deps, pages
from business_desk.web.schemas import (
    AssignSchema,
    CompletionRequestSchema,
    DecisionSchema,
    DelayNoticeSchema,
    ExtensionSchema,
    NoteSchema,
    ReasonSchema,
    ReplySchema,
    StatusSchema,
)
from kernel.domain.actors import Actor
from kernel.web.forms import in_language
from kernel.web.signin import page_check
from kernel.web.uploads import Checked, Rejected


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _required_date(value: str | None) -> date:
    return date.fromisoformat(value or "")


def _text(value: str | None) -> str:
    return value or ""


@dataclass(frozen=True)
class FormText:
    """A free-text field of a case action's form, read by the API schema's own field:
    trimmed, then checked (required, length, controls) as the API checks them."""

    value: str  # the command's value it fills (its name in the API's body)
    field: Field


def _text_of(schema: type[Schema], name: str) -> FormText:
    return FormText(name, schema().fields[name])


# per case action (its name in the page's URL), its form's free-text fields by name
FORM_TEXT: dict[str, dict[str, FormText]] = {
    "claim": {},
    "release": {},
    "assign": {"handler": _text_of(AssignSchema, "handler")},
    "note": {"text": _text_of(NoteSchema, "note")},
    "status": {"status": _text_of(StatusSchema, "status")},
    "completion-request": {"message": _text_of(CompletionRequestSchema, "message")},
    "applicant-reply": {"reply": _text_of(ReplySchema, "reply")},
    "extension": {"text": _text_of(ExtensionSchema, "reason")},
    "delay-notice": {"text": _text_of(DelayNoticeSchema, "reason")},
    "decision": {
        "answer": _text_of(DecisionSchema, "answer"),
        "legal_reference": _text_of(DecisionSchema, "legal_reference"),
    },
    "close": {"text": _text_of(ReasonSchema, "reason")},
    "reopen": {"text": _text_of(ReasonSchema, "reason")},
}

# the form's other fields by the command's value they fill, read as the step runs
# (a date that is no date is refused as the step is: ValueError)
FORM_OTHERS: dict[str, dict[str, Callable[[str | None], Any]]] = {
    "completion-request": {"reply_by": _optional_date},
    "delay-notice": {"expected_by": _required_date},
    "decision": {"outcome": _text},
}


# per case action, its form's fields by name -> the field's id on the page, where a
# refusal of that field is shown (the error summary links to it)
FIELD_IDS: dict[str, dict[str, str]] = {
    "extension": {"text": "extension-reason"},
    "delay-notice": {"text": "delay-reason"},
    "close": {"text": "close-reason"},
    "reopen": {"text": "reopen-reason"},
    "note": {"text": "note"},
    "completion-request": {"documents": "completion-documents"},
    "decision": {"documents": "decision-documents"},
    "status": {"status": "work-status"},  # not "status": the case's status shown on the page
}
# the actions whose form takes documents for the applicant (a file input named `documents`;
# a decision's pending uploads, stored at its preview, named by `document` ids)
DOCUMENT_ACTIONS = ("completion-request", "decision")


def field_id(action: str, name: str) -> str:
    return FIELD_IDS.get(action, {}).get(name, name)


def form_text(action: str, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The action's text fields by the command's values they fill, as its API schema reads
    them, and every one it refuses, by the field's id: the page's words for why."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, text in FORM_TEXT.get(action, {}).items():
        raw = form.get(name)
        try:
            cleaned[text.value] = text.field.deserialize(missing if raw is None else raw)
        except ValidationError as exc:
            errors[field_id(action, name)] = [_in_words(str(m)) for m in exc.messages]
    return cleaned, errors


def _in_words(message: str) -> str:
    """A field's refusal in the page's language: as the desk's catalogue says it, else as the
    kernel says marshmallow's defaults (a text too long was English on every page)."""
    key = key_of("field_error", message)
    said = t(key, page_language())
    return said if said != key else in_language(message, page_language())


def form_others(action: str, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The action's other fields by the command's values they fill, and every one that is
    no date (a date field), by the field's id."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for value, read in FORM_OTHERS.get(action, {}).items():
        try:
            values[value] = read(form.get(value))
        except ValueError:
            errors[field_id(action, value)] = [t("page.not_a_date", page_language())]
    return values, errors


def document_budget(view_args: dict) -> int:
    """The body a case action's form may have: documents only on the forms that take them
    (checked before the body is read, the CSRF check included)."""
    d = deps()
    if view_args.get("action") not in DOCUMENT_ACTIONS:
        return d.settings.max_request_bytes
    return docs.MAX_DOCUMENTS * d.settings.document_max_bytes + 256 * 1024


def form_documents(action: str) -> tuple[list[Checked], dict[str, list[str]]]:
    """The files chosen on the action's form, checked (not stored yet), or the refusal at
    the file field, in the page's language, the file named."""
    if action not in DOCUMENT_ACTIONS:
        return [], {}
    kept = request.form.getlist("document") if action == "decision" else []
    try:
        return docs.checked(deps(), docs.uploads_of(request), len(kept)), {}
    except Rejected as rejected:
        named = f" ({rejected.filename})" if rejected.filename else ""
        return [], {field_id(action, "documents"): [t(rejected.key, page_language()) + named]}


def kept_documents(case_id: str) -> list[dict[str, Any]]:
    """A decision's documents stored at its preview, as its forms name them."""
    return docs.pending(deps(), case_id, request.form.getlist("document"))


def run_with_documents(
    command: CaseCommand, case_id: str, handler: Actor, values: dict[str, Any], files: list[Checked]
) -> None:
    """The command with the form's documents: those kept from a preview and those chosen
    now (stored first, pending; sent once the event is recorded, discarded if it is not)."""
    d = deps()
    stored = docs.store(d, case_id, files, handler.id)
    documents = kept_documents(case_id) + stored
    try:
        command.run(d, case_id, handler, {**values, "documents": documents})
    except BaseException:
        docs.discard(d, stored)
        raise
    docs.sent(d, documents)


@pages.post("/cases/<case_id>/<action>")
def case_action(case_id: str, action: str):  # type: ignore[no-untyped-def]
    d, form = deps(), request.form
    case_type = d.cases.case_type_of(case_id)
    if case_type is None:
        abort(404)
    command = PAGE_COMMANDS.get(action)
    handler = page_check(command.permission if command else "case.work", case_type).actor
    if handler is None:
        abort(403)
    if command is None:
        abort(404)
    text, refused = form_text(action, form)
    others, wrong_dates = form_others(action, form)
    files, wrong_files = form_documents(action)
    errors = {**refused, **wrong_dates, **wrong_files}
    if errors:
        kept = kept_documents(case_id) if action == "decision" else []
        return render_case(case_id, None, 422, kept_action=action, errors=errors, documents=kept)
    values = {**text, **others}
    try:
        if action == "decision" and form.get("step") != "confirm":
            return _decision_preview(case_id, handler, values, files)
        if action in DOCUMENT_ACTIONS:
            run_with_documents(command, case_id, handler, values, files)
        else:
            command.run(d, case_id, handler, values)
    except (IllegalTransition, ValueError) as exc:
        message = (
            refusal(exc)
            if isinstance(exc, IllegalTransition)
            else t("page.check_the_date_error", page_language(), error=exc)
        )
        return render_case(case_id, message, 409)
    return redirect(url_for("pages.case_page", case_id=case_id), code=303)


def _decision_preview(  # type: ignore[no-untyped-def]
    case_id: str, handler: Actor, values: dict[str, Any], files: list[Checked]
):
    """Before a decision is recorded: the letter the applicant will get, to confirm, or to go
    back to the form with everything kept ("edit"), its documents too (stored now as pending
    uploads of the case, named by id in both forms). The decision is tried on the case's
    history first, recording nothing: one the case refuses is refused here (IllegalTransition)."""
    d, form = deps(), request.form
    if form.get("step") == "edit":
        return render_case(case_id, kept_action="decision", documents=kept_documents(case_id))
    today = d.clock().date()
    case = Case.from_history(d.store.load(stream_id_for(case_id)))
    [decided] = domain_decide(
        case, handler, values["outcome"], values["answer"], today, d.catalogue, values["legal_reference"]
    )
    doc = d.cases.get(case_id)
    assert doc is not None
    documents = kept_documents(case_id) + docs.store(d, case_id, files, handler.id)
    data = decided.data
    letter = decision_letter(
        doc,
        data["outcome"],
        data["personal"]["answer"],
        data["legal_reference"],
        handler.name,
        data["decided_on"],
        len(documents),
    )
    return render_case(case_id, kept_action="decision", preview=letter, documents=documents)
