"""The intake service, declared once (kernel.platform.service): what it publishes (the
inquiries and the sign-in link requests), the case events of business_desk it consumes
into the applicants' tracking view, that view's rebuild, and its web app (with its
interactive API docs)."""

from __future__ import annotations

from typing import Any

from intake.settings import IntakeSettings
from kernel.platform.service import Consumes, Service, Web, deferred

ROUTES = {"inquiry": "intake.inquiry.v1", "signin": "intake.signin.v1"}
TOPICS = ["business_desk.case.v1"]
# business_desk's case events the tracking view follows
CASE_EVENTS = (
    "business_desk.case_opened",
    "business_desk.case_claimed",
    "business_desk.completion_requested",
    "business_desk.applicant_replied",
    "business_desk.status_changed",
    "business_desk.deadline_extended",
    "business_desk.delay_notice_sent",
    "business_desk.case_decided",
    "business_desk.case_closed",
    "business_desk.case_reopened",
)
ERASED = "business_desk.personal_data_erased"


def consumed_handlers(deps: Any) -> dict[str, Any]:
    """Keep the applicant's tracking view up to date from business_desk's case events; an
    erasure also erases the applicant's files and the contact's sign-in links."""
    from intake import handlers

    track = handlers.track_case_event(deps)
    return {**dict.fromkeys(CASE_EVENTS, track), ERASED: handlers.erase_case_personal_data(deps)}


def blueprints() -> list[Any]:
    from intake.web.api import blp
    from intake.web.pages import pages

    return [blp, pages]


def setup(app: Any, deps: Any) -> None:
    """The answer pages' body budgets (checked before the CSRF check reads the form), the
    applicants' languages and intake's error answers."""
    from intake.i18n import init_i18n, languages
    from intake.web.errors import init_errors
    from intake.web.pages import BODY_BUDGETS
    from kernel.web.app import allow_body

    for endpoint, budget in BODY_BUDGETS.items():
        allow_body(app, endpoint, budget)
    init_i18n(app, deps.catalogue.country)
    app.jinja_env.globals["offered_languages"] = languages
    init_errors(app)


SERVICE = Service(
    name="intake",
    settings=IntakeSettings.from_env,
    bootstrap=deferred("intake.bootstrap:bootstrap"),
    web=Web(title="Intake: business inquiries", blueprints=blueprints, setup=setup, api_docs=True),
    routes=ROUTES,
    consumes=Consumes(topics=TOPICS, handlers=consumed_handlers),
    rebuild=deferred("intake.readmodels.rebuild:rebuild"),
)
