"""The staff pages' words by message key in translations/<language>/LC_MESSAGES/messages.po
(Swedish, Danish and English; kernel.web.i18n): code calls `t(key, page_language())`,
templates `t(<key>)` and `tn(<key>, n)`. A word looked up by a value (a status, an outcome,
a refusal of the domain's) has the key `key_of(category, value)`: `status.open`, `action.claim`.
A page speaks `?lang=` (remembered for the session), else the browser's language, else
the deployment's national one. Also the words the pages take from the configuration
(case types, teams, statuses), the case history and the refusals, in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, current_app, g, request, session

from business_desk.domain import IllegalTransition
from business_desk.domain.completion import PORTAL_APPLICANT
from business_desk.readmodels.case_projection import HISTORY_LINES
from catalogue.casetypes import Catalogue
from kernel.web.i18n import LANGUAGES_BY_COUNTRY, Words, best_language

WORDS = Words(Path(__file__).parent, ("sv", "en", "da"))
compile_catalogues = WORDS.compile
# The text of a message key in a language; English where that language lacks it.
t = WORDS.t


def key_of(category: str, value: str) -> str:
    """The key of a word looked up by a value: `key_of("phase", "in progress")` is
    `phase.in_progress` (a placeholder counts as its name's word)."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"%\((\w+)\)[sd]", r" \1 ", value.lower()))
    return f"{category}.{'_'.join(words)}"


def word_for(category: str, value: str, **params: object) -> str:
    """The page's word for a value (a status, an outcome, a refusal): the catalogues' text of
    `key_of(category, value)`, or the value itself (spaces for underscores) where they lack it."""
    key = key_of(category, value)
    text = t(key, page_language(), **params)
    if text == key:
        text = value.replace("_", " ")
        return text % params if params else text
    return text


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
    params = entry.get("params")
    if f"business_desk.{entry.get('type')}" not in HISTORY_LINES or params is None:
        return str(entry["text"])
    params = dict(params)
    if params.get("status"):
        params["status"] = status_label(params["status"])
    if params.get("outcome"):
        params["outcome"] = outcome_label(params["outcome"])
    if entry.get("type") == "note_added" and params.get("author") == PORTAL_APPLICANT.name:
        # what the applicant sent from the e-service (a further document, a comment): not
        # a note of the staff's
        return t("history.applicant_sent", page_language())
    return t(key_of("history", str(entry["type"])), page_language(), **params)


def outcome_label(outcome: str) -> str:
    return word_for("outcome", outcome)


def refusal(exc: IllegalTransition) -> str:
    """Why a step was refused, in the page's language (the action and the case's phase too)."""
    params = dict(exc.params)
    if "action" in params:
        params["action"] = t(key_of("action", params["action"]), page_language())
    if "phase" in params:
        params["phase"] = t(key_of("phase", params["phase"]), page_language())
    return word_for("refusal", exc.message_id, **params)


def group_label(group_by: str, value: str) -> str:
    """A row of the dashboard's breakdown, in the page's words."""
    if group_by == "case_type" and value in _catalogue().case_types:
        return _catalogue().get(value).label(page_language())
    if group_by == "team":
        return team_name(value)
    return value


def init_i18n(app: Flask, country: str) -> None:
    WORDS.catalogues.init_app(
        app, LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"]), page_language
    )
    WORDS.bind(app, page_language)
    app.jinja_env.globals["word_for"] = word_for


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
