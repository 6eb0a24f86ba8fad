"""The staff pages' words: English in the code and templates (gettext message ids),
Swedish and Danish in translations/<language>/LC_MESSAGES/messages.po (kernel.web.i18n).
A page speaks `?lang=` (remembered for the session), else the browser's language, else
the deployment's national one. Also the words the pages take from the configuration
(case types, teams, statuses), the case history and the refusals, in the page's language."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_babel import gettext as _
from flask_babel import pgettext

from business_desk.domain import IllegalTransition
from business_desk.readmodels.case_projection import HISTORY_LINES
from catalogue.casetypes import Catalogue
from kernel.web.i18n import LANGUAGES_BY_COUNTRY, Catalogues, best_language

CATALOGUES = Catalogues(Path(__file__).parent / "translations")
compile_catalogues = CATALOGUES.compile


def _catalogue() -> Catalogue:
    return current_app.extensions["business_desk.deps"].catalogue  # type: ignore[no-any-return]


LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "da": "Dansk"}


def status_label(status: str) -> str:
    return _catalogue().status(status).text(page_language())


def team_name(team: str) -> str:
    teams = _catalogue().teams
    names = teams[team].name if team in teams else {}
    return names.get(page_language()) or names.get("en") or team.replace("_", " ")


def history_line(entry: dict) -> str:
    """A case history line in the page's language (lines written before they kept their
    parameters are shown as written)."""
    line = HISTORY_LINES.get(f"business_desk.{entry.get('type')}")
    params = entry.get("params")
    if line is None or params is None:
        return str(entry["text"])
    params = dict(params)
    if params.get("status"):
        params["status"] = status_label(params["status"])
    if params.get("outcome"):
        params["outcome"] = outcome_label(params["outcome"])
    return _(line[0], **params)


def outcome_label(outcome: str) -> str:
    return _(outcome.replace("_", " "))


def refusal(exc: IllegalTransition) -> str:
    """Why a step was refused, in the page's language (the action and the case's phase too)."""
    params = dict(exc.params)
    if "action" in params:
        params["action"] = pgettext("action", params["action"])
    if "phase" in params:
        params["phase"] = pgettext("phase", params["phase"])
    return _(exc.message_id, **params)


def group_label(group_by: str, value: str) -> str:
    """A row of the dashboard's breakdown, in the page's words."""
    if group_by == "case_type" and value in _catalogue().case_types:
        return _catalogue().get(value).label(page_language())
    if group_by == "team":
        return team_name(value)
    return value


def init_i18n(app: Flask, country: str) -> None:
    CATALOGUES.init_app(app, LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"]), page_language)


def page_language() -> str:
    """Chosen once per request: every label on a page asks."""
    if "page_language" not in g:
        g.page_language = _choose_language(tuple(current_app.config["LANGUAGES"]))
    return str(g.page_language)


def _choose_language(offered: tuple[str, ...]) -> str:
    chosen = request.args.get("lang")
    if chosen in offered:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in offered:
        return str(session["lang"])
    return best_language(offered)
