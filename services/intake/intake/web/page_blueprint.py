"""The applicant's pages' blueprint, "pages", and what every one of them uses: intake's
dependencies and the page language. The views join the blueprint from their own modules
(intake.web.pages gathers them)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from intake.bootstrap import Deps
from intake.i18n import languages, request_language, t

pages = Blueprint("pages", __name__)


def deps() -> Deps:
    return current_app.extensions["intake.deps"]


def page_language(case_language: str | None = None) -> str:
    """?lang= when it names a language, else the case's, else the browser's."""
    chosen = request.args.get("lang")
    return chosen if chosen in languages() else case_language or request_language()


def municipality(lang: str) -> dict[str, str]:
    """The configured municipality (case types' `municipality`): its name, one and the
    same on the pages and in the letter, and the postal address an appeal goes to."""
    configured = deps().catalogue.municipality
    return {
        "name": configured.get("name") or t("municipality", lang),
        "address": configured.get("address", ""),
    }


@pages.app_context_processor
def _municipality() -> dict[str, object]:
    return {"municipality_of": municipality}
