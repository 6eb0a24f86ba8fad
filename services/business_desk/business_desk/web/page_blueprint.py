"""The case handler's pages' blueprint, "pages", and what every one of them uses: the
desk's dependencies, the permission check for templates and the templates' helpers. The
views join the blueprint from their own modules (business_desk.web.pages gathers them)."""

from __future__ import annotations

from flask import Blueprint, current_app, g

from business_desk.bootstrap import Deps
from business_desk.i18n import (
    LANGUAGE_NAMES,
    group_label,
    history_line,
    outcome_label,
    page_language,
    status_label,
    team_name,
    word_for,
)

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
        "queue_status_label": lambda status: word_for("status", status),
        "team_name": team_name,
        "group_label": group_label,
        "history_line": history_line,
        "allowed": allowed,
        "other_languages": [
            (code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"] if code != lang
        ],
    }
