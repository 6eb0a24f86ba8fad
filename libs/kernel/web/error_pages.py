"""A refused or failed request to a page answers with a page, not with the API's JSON: in
the page's language (the service's chooser, app.extensions["kernel.page_language"]), saying
what happened and where to go on (the service's start page, or the same address again).
The API (/api/...) keeps its JSON error shape (kernel.web.app.http_error)."""

from __future__ import annotations

from flask import Response, render_template_string, request
from werkzeug.exceptions import HTTPException

from kernel.web.i18n import kernel_text
from kernel.web.ratelimit import page_language

# the refusals that have words of their own; any other 4xx says error.4xx, any 5xx error.5xx
KNOWN = (400, 403, 404, 405, 413, 422, 500)

ERROR_PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
a{color:#1f5f99}.code{color:#666}</style></head>
<body><main><h1>{{ title }}</h1><p>{{ message }}</p>
<p class="code">{{ code_text }}</p>
<nav aria-label="{{ nav_label }}"><ul>
{% if again %}<li><a href="{{ again }}">{{ again_text }}</a></li>{% endif %}
<li><a href="/">{{ home_text }}</a></li></ul></nav></main></body></html>"""


def text_key(code: int) -> str:
    if code in KNOWN:
        return f"error.{code}"
    return "error.5xx" if code >= 500 else "error.4xx"


def error_page(code: int, headers: list[tuple[str, str]] | None = None) -> Response:
    """The page for an error `code`, in the page's language, with a way on."""
    lang = page_language()
    key = text_key(code)
    again = request.full_path.rstrip("?") if code >= 500 and request.method == "GET" else None
    body = render_template_string(
        ERROR_PAGE,
        lang=lang,
        title=kernel_text(f"{key}.title", lang),
        message=kernel_text(f"{key}.message", lang),
        code_text=kernel_text("error.code", lang) % {"code": code},
        nav_label=kernel_text("error.nav", lang),
        again=again,
        again_text=kernel_text("error.again", lang),
        home_text=kernel_text("error.home", lang),
    )
    response = Response(body, status=code, mimetype="text/html")
    for name, value in headers or []:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value  # Allow (405), Retry-After
    response.content_language = lang  # type: ignore[assignment]
    response.headers["Cache-Control"] = "no-store"
    return response


def has_own_page(exc: HTTPException) -> bool:
    """An exception that draws its own page (kernel.web.pages.ProviderUnavailablePage), a
    redirect, or a response made beforehand is answered as it is."""
    return (
        exc.response is not None
        or (exc.code or 500) < 400
        or type(exc).get_body is not HTTPException.get_body
    )


def http_error_page(exc: HTTPException) -> HTTPException | Response:
    if has_own_page(exc):
        return exc
    return error_page(exc.code or 500, list(exc.get_headers()))
