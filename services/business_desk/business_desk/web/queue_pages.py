"""The queues: the case types one may read, and each queue (of a case type or of a team)
sorted by deadline, filtered and searched."""

from __future__ import annotations

from typing import Any

from flask import abort, g, render_template, request

from business_desk.domain import IllegalTransition
from business_desk.i18n import page_language, refusal, t, team_name, word_for
from business_desk.readmodels.case_projection import clock_now
from business_desk.readmodels.cases import QUEUE_ORDER, QueueFilter
from business_desk.web.commands import PAGE_COMMANDS
from business_desk.web.page_blueprint import allowed, deps, pages
from business_desk.web.roster import roster_choices
from business_desk.web.schemas import QUEUE_STATUSES
from kernel.web.fields import without_control
from kernel.web.paging import PageRequest, page_from_args, pager_links
from kernel.web.signin import page_check, signed_in


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
    return render_template("index.html", queues=queues, teams=[(team, team_name(team)) for team in teams])


# the steps a queue takes on several cases at once: (the case command, the form field its value is in)
BULK_ACTIONS = {"claim": None, "release": None, "assign": "assignee", "status": "work_status"}
BULK_VALUES = {"assign": "handler", "status": "status"}  # the command's value each field fills


def _bulk_errors(form: Any, case_types: list[str]) -> dict[str, list[str]]:
    lang, errors = page_language(), {}
    if not form.getlist("cases"):
        errors["cases"] = [t("queue.bulk_choose_cases", lang)]
    action = form.get("bulk_action", "")
    if action not in BULK_ACTIONS:
        errors["bulk_action"] = [t("queue.bulk_choose_action", lang)]
    elif BULK_ACTIONS[action] and not form.get(BULK_ACTIONS[action], "").strip():
        errors[BULK_ACTIONS[action]] = [t("queue.bulk_choose_value", lang)]
    return errors


def _bulk_one(case_id: str, action: str, value: str | None, case_types: list[str]) -> dict[str, Any]:
    """One case's outcome of a bulk step: done, unchanged (already so) or refused, and why."""
    d, lang = deps(), page_language()
    doc = d.cases.get(case_id)
    if doc is None or doc["case_type"] not in case_types:
        # named as it was sent, without what a line of text may not hold and at most an id's length
        named = without_control(case_id)[:64]
        return {"reference": named, "outcome": "refused", "why": t("queue.bulk_not_in_queue", lang)}
    command = PAGE_COMMANDS[action]
    outcome: dict[str, Any] = {"reference": doc["reference"], "case_id": case_id}
    if not allowed(command.permission, doc["case_type"]):
        return {**outcome, "outcome": "refused", "why": t("queue.bulk_not_allowed", lang)}
    values = {BULK_VALUES[action]: value} if action in BULK_VALUES else {}
    try:
        events = command.run(d, case_id, g.principal.actor, values)
    except IllegalTransition as exc:
        return {**outcome, "outcome": "refused", "why": refusal(exc)}
    return {**outcome, "outcome": "done" if events else "unchanged"}


def _bulk(case_types: list[str]) -> dict[str, Any]:
    """The queue's bulk form, posted: its errors (nothing run), or each chosen case's outcome
    (one refused does not stop the others; a second submit finds them unchanged)."""
    form = request.form
    errors = _bulk_errors(form, case_types)
    results = []
    if not errors:
        action = form["bulk_action"]
        value = form.get(BULK_ACTIONS[action] or "", "").strip() or None
        results = [_bulk_one(case_id, action, value, case_types) for case_id in form.getlist("cases")]
    return {"errors": errors, "results": results, "kept": form, "chosen": set(form.getlist("cases"))}


def _queue_page(  # type: ignore[no-untyped-def]
    title: str, case_types: list[str], subtitle: str, mine: bool = False
):
    d = deps()
    bulk = _bulk(case_types) if request.method == "POST" else {"errors": {}, "results": [], "kept": {}}
    args = request.args
    status = args.get("status", "open")
    if status not in QUEUE_STATUSES:
        status = "open"
    handler = "me" if mine else args.get("handler", "").strip()
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
        mine=mine,
        bulk=bulk,
        work_statuses=d.catalogue.work_statuses(),
        may_assign=any(allowed("case.assign", ct) for ct in case_types),
    ), 422 if refused or bulk["errors"] else 200


@pages.route("/queues/<case_type>", methods=["GET", "POST"])
def queue(case_type: str):  # type: ignore[no-untyped-def]
    d = deps()
    if case_type not in d.catalogue.case_types:
        abort(404)
    page_check("queue.read", case_type)
    ct, lang = d.catalogue.get(case_type), page_language()
    subtitle = t(
        "page.target_target_kind",
        page_language(),
        target=ct.target.describe(lang),
        kind=word_for("kind", ct.kind),
    )
    return _queue_page(ct.label(lang), [case_type], subtitle)


@pages.route("/teams/<team>", methods=["GET", "POST"])
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
        t("page.team_name", page_language(), name=team_name(team)),
        readable,
        t("page.case_types_labels", page_language(), labels=labels),
    )


@pages.route("/mine", methods=["GET", "POST"])
@signed_in("queue.read")
def my_cases():  # type: ignore[no-untyped-def]
    """The signed-in handler's own cases, across every queue they may read."""
    d, lang = deps(), page_language()
    readable = [ct for ct in d.catalogue.case_types if allowed("queue.read", ct)]
    return _queue_page(t("mine.title", lang), readable, t("mine.subtitle", lang), mine=True)
