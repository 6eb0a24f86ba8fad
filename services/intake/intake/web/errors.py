"""intake's error answers: validation errors (422) with their messages in the
applicant's language, applicants' pages answering an error with a page in theirs, the
API in JSON, and a body too large (413) said in words."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from intake.i18n import CATALOGUE_LANGUAGES, request_language, t
from intake.web.pages import page_language
from kernel.web.app import wants_json


def api_of(app: Flask):  # type: ignore[no-untyped-def]
    """The app's flask-smorest Api (the kernel's app factory made it)."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]


def error_language() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    chosen = body.get("language") if isinstance(body, dict) else None
    return chosen if chosen in CATALOGUE_LANGUAGES else request_language(default="en")


def message_page(lang: str, message: str) -> str:
    """An error said on a page of the applicants' own, in their language."""
    return render_template("message.html", lang=lang, t=lambda k: t(k, lang), message=message, error=True)


def init_errors(app: Flask) -> None:
    api = api_of(app)

    @app.errorhandler(422)
    def unprocessable(exc):  # type: ignore[no-untyped-def]
        lang = error_language()
        messages = getattr(exc, "data", {}).get("messages", {})
        translated = {
            location: {field: [t(m, lang) for m in msgs] for field, msgs in fields.items()}
            for location, fields in messages.items()
        }
        body = {
            "code": 422,
            "status": "Unprocessable Entity",
            "message": t("validation.message", lang),
            "errors": translated,
        }
        return jsonify(body), 422

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        """Applicants' pages answer with a page in their language; the API in JSON."""
        if wants_json() or exc.code is None or exc.code < 400:
            return api.handle_http_exception(exc)
        lang = page_language()
        message = exc.description if exc.description != type(exc).description else t("error.generic", lang)
        page = message_page(lang, message)
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return page, exc.code, headers

    @app.errorhandler(413)
    def too_large(exc):  # type: ignore[no-untyped-def]
        lang = request_language(default="en")
        if wants_json():
            return jsonify(code=413, status="Payload Too Large", message=t("body.too_large", lang)), 413
        lang = page_language()
        return message_page(lang, t("body.too_large", lang)), 413

    @app.errorhandler(CSRFError)
    def stale_form(exc: CSRFError):  # type: ignore[no-untyped-def]
        """The inquiry form sent from a page open too long (or with cookies blocked): the
        form again with everything typed and the reason on top, to send once more; any
        other form, a page saying so in the page's language."""
        lang = page_language()
        if request.endpoint == "pages.submit":
            from intake.web.inquiry_pages import refused_as_stale

            return refused_as_stale(lang)
        return message_page(lang, t("form.stale", lang)), 400
