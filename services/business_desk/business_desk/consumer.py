"""Entrypoint: open a case for every submitted inquiry."""

from pymongo.database import Database

from business_desk import handlers
from business_desk.bootstrap import bootstrap
from business_desk.settings import DeskSettings
from kernel.platform.runners import run_consumer

TOPICS = ["intake.inquiry.v1"]


def build_handlers(db: Database) -> dict:
    deps = bootstrap(DeskSettings.from_env(), db)
    return {
        "intake.inquiry_submitted": handlers.open_case_from_inquiry(deps),
        "intake.completion_answered": handlers.register_portal_answer(deps),
        "intake.survey_answered": deps.satisfaction.record if deps.satisfaction else lambda _e, _s: None,
    }


def main() -> None:
    run_consumer(DeskSettings.from_env(), TOPICS, build_handlers)


if __name__ == "__main__":
    main()
