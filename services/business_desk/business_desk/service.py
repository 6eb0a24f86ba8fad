"""The business desk, declared once (kernel.platform.service): what it publishes, the
intake events it consumes, its read models' rebuild, its periodic jobs (deadline
warnings, the erasure of personal data past its retention) and its web app."""

from __future__ import annotations

from typing import Any

from business_desk.settings import DeskSettings
from kernel.platform.service import Consumes, Job, Service, Web, deferred


def consumed_handlers(deps: Any) -> dict[str, Any]:
    """Open a case for every submitted inquiry; the applicant's portal answers and survey
    answers join their case."""
    from business_desk import handlers

    return {
        "intake.inquiry_submitted": handlers.open_case_from_inquiry(deps),
        "intake.completion_answered": handlers.register_portal_answer(deps),
        "intake.survey_answered": handlers.record_survey_answer(deps),
    }


def blueprints() -> list[Any]:
    from business_desk.web.api import blp
    from business_desk.web.figures import blp as figures_blp
    from business_desk.web.pages import pages

    return [blp, figures_blp, pages]


def setup(app: Any, deps: Any) -> None:
    """The staff pages' languages, and the body the case actions' forms may have (the
    documents for the applicant; checked before the CSRF check reads the form)."""
    from business_desk.i18n import init_i18n
    from business_desk.web.case_action_page import document_budget
    from kernel.web.app import allow_body

    allow_body(app, "pages.case_action", document_budget)
    init_i18n(app, deps.catalogue.country)


def collectors(deps: Any) -> list[Any]:
    from business_desk.web.metrics import CaseFigures

    return [CaseFigures(deps)]


deadline_round = deferred("business_desk.handlers:deadline_round")
retention_round = deferred("business_desk.handlers:retention_round")

TOPICS = ["intake.inquiry.v1"]

SERVICE = Service(
    name="business_desk",
    settings=DeskSettings.from_env,
    bootstrap=deferred("business_desk.bootstrap:bootstrap"),
    web=Web(title="Business desk: case handling", blueprints=blueprints, setup=setup, collectors=collectors),
    routes={"case": "business_desk.case.v1"},
    consumes=Consumes(topics=TOPICS, handlers=consumed_handlers),
    rebuild=deferred("business_desk.readmodels.rebuild:rebuild"),
    jobs=[
        Job("retention", run_once=retention_round, interval_s=3600, interval_env="RETENTION_INTERVAL_S"),
        Job("deadlines", run_once=deadline_round, interval_s=600, interval_env="DEADLINES_INTERVAL_S"),
    ],
)
