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
from business_desk.i18n import page_language, refusal, t, word_for
from business_desk.web.case_page import decision_letter, render_case
from business_desk.web.commands import PAGE_COMMANDS
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
from kernel.web.signin import page_check


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
}


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
            errors[field_id(action, name)] = [word_for("field_error", str(m)) for m in exc.messages]
    return cleaned, errors


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
    if refused or wrong_dates:
        return render_case(case_id, None, 422, kept_action=action, errors={**refused, **wrong_dates})
    values = {**text, **others}
    try:
        if action == "decision" and form.get("step") != "confirm":
            return _decision_preview(case_id, handler, values)
        command.run(d, case_id, handler, values)
    except (IllegalTransition, ValueError) as exc:
        message = (
            refusal(exc)
            if isinstance(exc, IllegalTransition)
            else t("page.check_the_date_error", page_language(), error=exc)
        )
        return render_case(case_id, message, 409)
    return redirect(url_for("pages.case_page", case_id=case_id), code=303)


def _decision_preview(case_id: str, handler: Actor, values: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Before a decision is recorded: the letter the applicant will get, to confirm, or to go
    back to the form with everything kept ("edit"). The decision is tried on the case's
    history first, recording nothing: one the case refuses is refused here (IllegalTransition)."""
    d, form = deps(), request.form
    if form.get("step") == "edit":
        return render_case(case_id, kept_action="decision")
    today = d.clock().date()
    case = Case.from_history(d.store.load(stream_id_for(case_id)))
    [decided] = domain_decide(
        case, handler, values["outcome"], values["answer"], today, d.catalogue, values["legal_reference"]
    )
    doc = d.cases.get(case_id)
    assert doc is not None
    data = decided.data
    letter = decision_letter(
        doc,
        data["outcome"],
        data["personal"]["answer"],
        data["legal_reference"],
        handler.name,
        data["decided_on"],
    )
    return render_case(case_id, kept_action="decision", preview=letter)
