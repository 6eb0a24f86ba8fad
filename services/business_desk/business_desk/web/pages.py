"""The case handler's pages: queues sorted by deadline and the case page with its actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, missing
from marshmallow.fields import Field

from business_desk.adapters.attachments import Unavailable
from business_desk.bootstrap import Deps
from business_desk.domain import OUTCOMES, IllegalTransition
from business_desk.i18n import (
    LANGUAGE_NAMES,
    group_label,
    history_line,
    outcome_label,
    page_language,
    refusal,
    status_label,
    team_name,
)
from business_desk.readmodels import dashboard
from business_desk.readmodels.case_projection import clock_now
from business_desk.readmodels.cases import QUEUE_ORDER, QueueFilter
from business_desk.web import charts
from business_desk.web.commands import PAGE_COMMANDS
from business_desk.web.figures import csv_response, readable_case_types
from business_desk.web.schemas import (
    QUEUE_STATUSES,
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
from catalogue.casetypes import Catalogue, Person
from kernel.web.embedded import NEWEST_FIRST, newest_first
from kernel.web.paging import PageRequest, page_from_args, page_or_first, pager_links
from kernel.web.signin import page_check, signed_in

pages = Blueprint("pages", __name__)


def deps() -> Deps:
    return current_app.extensions["business_desk.deps"]


def allowed(permission: str, case_type: str | None = None) -> bool:
    _, matrix = current_app.extensions["kernel.web.auth"]
    return matrix.allows(g.principal, permission, case_type)


@pages.app_context_processor
def helpers() -> dict:
    lang = page_language()
    return {
        "lang": lang,
        "status_label": status_label,
        "outcome_label": outcome_label,
        "queue_status_label": lambda status: _(status),
        "team_name": team_name,
        "group_label": group_label,
        "history_line": history_line,
        "allowed": allowed,
        "other_languages": [
            (code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"] if code != lang
        ],
    }


@pages.get("/")
@signed_in("queue.read")
def index():  # type: ignore[no-untyped-def]
    d, lang = deps(), page_language()
    counts = d.cases.counts()
    queues = [
        {
            "id": ct.id,
            "label": ct.label(lang),
            "team": ct.team,
            "team_name": team_name(ct.team),
            "target": ct.target.describe(lang),
            "open": counts.get(ct.id, 0),
        }
        for ct in d.catalogue.case_types.values()
        if allowed("queue.read", ct.id)
    ]
    teams = sorted({q["team"] for q in queues})
    return render_template("index.html", queues=queues, teams=[(t, team_name(t)) for t in teams])


def _queue_page(title: str, case_types: list[str], subtitle: str):  # type: ignore[no-untyped-def]
    d = deps()
    args = request.args
    status = args.get("status", "open")
    if status not in QUEUE_STATUSES:
        status = "open"
    handler = args.get("handler", "").strip()
    filter_ = QueueFilter.from_params(
        case_types,
        status,
        g.principal.actor_id if handler == "me" else handler,
        args.get("unassigned") == "1",
        args.get("q", ""),
    )
    today = d.clock().date()
    asked = page_from_args(QUEUE_ORDER, args)
    refused = asked if isinstance(asked, str) else None
    page = d.cases.queue(filter_, today, PageRequest() if refused else asked)  # type: ignore[arg-type]
    cases = [{**doc, "clock": clock_now(doc, d.catalogue, today)} for doc in page.items]
    return render_template(
        "queue.html",
        title=title,
        subtitle=subtitle,
        cases=cases,
        pager=pager_links(page),
        total=d.cases.count(filter_, today),
        error=refused,
        today=today.isoformat(),
        statuses=QUEUE_STATUSES,
        args=args,
        status=status,
        handlers=roster_choices(d.catalogue, case_types),
    ), 422 if refused else 200


def roster_choices(catalogue: Catalogue, case_types: list[str]) -> list[tuple[str, str]]:
    """The people of the case types' teams to filter or assign by: (actor id, label). The
    label is the name, with the email where two people share a name."""
    people: dict[str, Person] = {}
    for case_type in case_types:
        team = catalogue.team_of(case_type)
        for person in team.people() if team else ():
            if person.actor_id:
                people.setdefault(person.actor_id, person)
    names = Counter(p.name for p in people.values())
    return sorted(
        ((who, p.name if names[p.name] == 1 else f"{p.name} ({p.email})") for who, p in people.items()),
        key=lambda choice: choice[1],
    )


@pages.get("/queues/<case_type>")
def queue(case_type: str):  # type: ignore[no-untyped-def]
    d = deps()
    if case_type not in d.catalogue.case_types:
        abort(404)
    page_check("queue.read", case_type)
    ct, lang = d.catalogue.get(case_type), page_language()
    subtitle = _(
        "Target: %(target)s (%(kind)s).", target=ct.target.describe(lang), kind=_(ct.kind.replace("_", " "))
    )
    return _queue_page(ct.label(lang), [case_type], subtitle)


@pages.get("/teams/<team>")
def team_queue(team: str):  # type: ignore[no-untyped-def]
    d = deps()
    case_types = [ct.id for ct in d.catalogue.case_types.values() if ct.team == team]
    if not case_types:
        abort(404)
    page_check("queue.read")
    readable = [ct for ct in case_types if allowed("queue.read", ct)]
    if not readable:
        page_check("queue.read", case_types[0])
    labels = ", ".join(d.catalogue.get(ct).label(page_language()) for ct in readable)
    return _queue_page(
        _("Team %(name)s", name=team_name(team)), readable, _("Case types: %(labels)s.", labels=labels)
    )


def _render_case(  # type: ignore[no-untyped-def]
    case_id: str,
    error: str | None = None,
    status: int = 200,
    kept_action: str | None = None,
    error_at: str | None = None,
):
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
            error_at=error_at,
            user=g.principal,
            deliveries=d.deliveries(case["reference"]),
        ),
        status,
    )


@pages.get("/cases/<case_id>")
def case_page(case_id: str):  # type: ignore[no-untyped-def]
    return _render_case(case_id)


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
        abort(502, description=_("The file cannot be fetched from intake just now. Try again shortly."))
    if file is None:
        abort(404)
    if d.audit is not None:
        d.audit.record(principal, "read attachment", "case", case_id)
    return Response(
        file.content, mimetype=file.content_type, headers={"Content-Disposition": file.disposition}
    )


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


def form_text(action: str, form: Mapping[str, str]) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The action's text fields by the command's values they fill, as its API schema reads
    them, or the first one it refuses: the form field's name, and the page's words for why."""
    cleaned: dict[str, Any] = {}
    for name, text in FORM_TEXT.get(action, {}).items():
        raw = form.get(name)
        try:
            cleaned[text.value] = text.field.deserialize(missing if raw is None else raw)
        except ValidationError as exc:
            return cleaned, (name, _(str(exc.messages[0])))
    return cleaned, None


def form_others(action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The action's other fields by the command's values they fill."""
    return {value: read(form.get(value)) for value, read in FORM_OTHERS.get(action, {}).items()}


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
    if refused is not None:
        field, message = refused
        return _render_case(case_id, message, 422, kept_action=action, error_at=f"{action}:{field}")
    try:
        command.run(d, case_id, handler, {**text, **form_others(action, form)})
    except (IllegalTransition, ValueError) as exc:
        message = (
            refusal(exc) if isinstance(exc, IllegalTransition) else _("check the date: %(error)s", error=exc)
        )
        return _render_case(case_id, message, 409)
    return redirect(url_for("pages.case_page", case_id=case_id), code=303)


def _dashboard_scope() -> dashboard.Scope:
    principal = page_check("dashboard.read")
    args = request.args
    try:
        return dashboard.scope(
            deps(),
            readable_case_types(principal),
            deps().clock().date(),
            period=args.get("period") or None,
            start=args.get("from") or None,
            end=args.get("to") or None,
            case_type=args.get("case_type") or None,
            team=args.get("team") or None,
            handler=(args.get("handler") or "").strip() or None,
            group_by=args.get("group_by") or None,
        )
    except dashboard.BadQuery as exc:
        abort(422, description=str(exc))


@pages.get("/dashboard")
def dashboard_page():  # type: ignore[no-untyped-def]
    d = deps()
    scope_ = _dashboard_scope()
    if scope_.group_by is None:
        scope_ = replace(scope_, group_by="case_type")
    result = dashboard.figures_for(d, scope_)
    readable = readable_case_types(g.principal)
    return render_template(
        "dashboard.html",
        figures=result,
        scope=scope_,
        args=request.args,
        periods=dashboard.PERIODS,
        groups=dashboard.GROUPS,
        case_types=[d.catalogue.get(ct) for ct in readable],
        teams=sorted({d.catalogue.get(ct).team for ct in readable}),
        handlers=roster_choices(d.catalogue, readable),
        query=request.query_string.decode(),
        deliveries=d.delivery_figures(),
        charts={
            "trend": charts.trend(result),
            "times": charts.times(result),
            "within_target": charts.within_target(result),
            "backlog": charts.backlog(result),
        },
    )


@pages.get("/dashboard/figures.json")
def dashboard_json():  # type: ignore[no-untyped-def]
    return jsonify(dashboard.figures_for(deps(), _dashboard_scope()))


@pages.get("/dashboard/figures.csv")
def dashboard_csv():  # type: ignore[no-untyped-def]
    result = dashboard.figures_for(deps(), _dashboard_scope())
    return csv_response(dashboard.figures_csv(result), "processing-times.csv")


@pages.get("/dashboard/insikt.csv")
def dashboard_insikt():  # type: ignore[no-untyped-def]
    return csv_response(dashboard.insikt_case_list(deps(), _dashboard_scope()), "insikt-arendemall.csv")
