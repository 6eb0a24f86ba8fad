"""The case handler's pages: queues sorted by deadline and the case page with its actions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from business_desk import handlers
from business_desk.bootstrap import Deps
from business_desk.domain import OUTCOMES, IllegalTransition
from business_desk.views import STATUS_LABELS
from kernel.signin import page_check, signed_in

pages = Blueprint("pages", __name__)


def deps() -> Deps:
    return current_app.extensions["business_desk.deps"]


@pages.get("/")
@signed_in("queue.read")
def index():  # type: ignore[no-untyped-def]
    d = deps()
    _, matrix = current_app.extensions["kernel.auth"]
    counts = d.cases.counts()
    queues = [
        {
            "id": ct.id,
            "label": ct.label("en"),
            "target": ct.target.describe("en"),
            "open": counts.get(ct.id, 0),
        }
        for ct in d.catalogue.case_types.values()
        if matrix.allows(g.principal, "queue.read", ct.id)
    ]
    return render_template("index.html", queues=queues)


@pages.get("/queues/<case_type>")
def queue(case_type: str):  # type: ignore[no-untyped-def]
    d = deps()
    if case_type not in d.catalogue.case_types:
        abort(404)
    page_check("queue.read", case_type)
    today = d.clock().date().isoformat()
    return render_template(
        "queue.html",
        case_type=d.catalogue.get(case_type),
        cases=d.cases.queue(case_type),
        labels=STATUS_LABELS,
        today=today,
    )


def _render_case(case_id: str, error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    d = deps()
    case = d.cases.get(case_id)
    if case is None:
        abort(404)
    principal = page_check("case.read", case["case_type"])
    if d.audit is not None:
        d.audit.record(principal, "read", "case", case_id)
    return (
        render_template(
            "case.html",
            case=case,
            case_type=d.catalogue.get(case["case_type"]),
            labels=STATUS_LABELS,
            outcomes=OUTCOMES,
            error=error,
            user=g.principal,
            deliveries=d.deliveries(case["reference"]),
        ),
        status,
    )


@pages.get("/cases/<case_id>")
def case_page(case_id: str):  # type: ignore[no-untyped-def]
    return _render_case(case_id)


@pages.post("/cases/<case_id>/<action>")
def case_action(case_id: str, action: str):  # type: ignore[no-untyped-def]
    d, form = deps(), request.form
    case = d.cases.get(case_id)
    if case is None:
        abort(404)
    handler = page_check("case.work", case["case_type"]).name
    commands = {
        "claim": lambda: handlers.claim(d, case_id, handler),
        "completion-request": lambda: handlers.request_completion(
            d,
            case_id,
            handler,
            form.get("message", ""),
            date.fromisoformat(form["reply_by"]) if form.get("reply_by") else None,
        ),
        "applicant-reply": lambda: handlers.register_reply(d, case_id, form.get("reply", "")),
        "decision": lambda: handlers.decide(
            d, case_id, handler, form.get("outcome", ""), form.get("answer", "")
        ),
    }
    if action not in commands:
        abort(404)
    try:
        commands[action]()
    except (IllegalTransition, ValueError) as exc:
        return _render_case(case_id, str(exc), 409)
    return redirect(url_for("pages.case_page", case_id=case_id), code=303)
