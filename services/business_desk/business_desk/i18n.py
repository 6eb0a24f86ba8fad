"""The staff pages' words: English in the code and templates (gettext message ids),
Swedish and Danish in translations/<language>/LC_MESSAGES/messages.po (kernel.i18n).
A page speaks `?lang=` (remembered for the session), else the browser's language, else
the deployment's national one."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session

from kernel.i18n import LANGUAGES_BY_COUNTRY, Catalogues, best_language

CATALOGUES = Catalogues(Path(__file__).parent / "translations")
compile_catalogues = CATALOGUES.compile


def init_i18n(app: Flask, country: str) -> None:
    CATALOGUES.init_app(app, LANGUAGES_BY_COUNTRY.get(country, LANGUAGES_BY_COUNTRY["SE"]), page_language)


def page_language() -> str:
    offered = tuple(current_app.config["LANGUAGES"])
    chosen = request.args.get("lang")
    if chosen in offered:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in offered:
        return str(session["lang"])
    return best_language(offered)
