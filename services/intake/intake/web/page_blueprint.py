"""The applicant's pages' blueprint, "pages", and what every one of them uses: intake's
dependencies and the page language. The views join the blueprint from their own modules
(intake.web.pages gathers them)."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from intake.bootstrap import Deps
from intake.i18n import languages, request_language

pages = Blueprint("pages", __name__)


def deps() -> Deps:
    return current_app.extensions["intake.deps"]


def page_language(case_language: str | None = None) -> str:
    """?lang= when it names a language, else the case's, else the browser's."""
    chosen = request.args.get("lang")
    return chosen if chosen in languages() else case_language or request_language()
