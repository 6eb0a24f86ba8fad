"""Pages are refused with a page in the page's language and a way on; the API keeps JSON."""

from __future__ import annotations

import pytest
from flask import abort, request

from kernel.platform.settings import Settings
from kernel.web.app import base_app


@pytest.fixture
def client(isolated_env):  # type: ignore[no-untyped-def]
    app = base_app("errors", Settings.from_env("tests"))
    app.extensions["kernel.page_language"] = lambda: request.args.get("lang", "sv")

    @app.get("/secret")
    def secret():  # type: ignore[no-untyped-def]
        abort(403)

    @app.get("/api/v1/secret")
    def api_secret():  # type: ignore[no-untyped-def]
        abort(403)

    @app.get("/broken")
    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    return app.test_client()


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        ("/secret?lang=sv", 403, "Du har inte behörighet till sidan"),
        ("/secret?lang=en", 403, "You do not have access to this page"),
        ("/nowhere?lang=sv", 404, "Sidan finns inte"),
        ("/nowhere?lang=en", 404, "The page cannot be found"),
        ("/nowhere?lang=da", 404, "Siden findes ikke"),
        ("/broken?lang=sv", 500, "Något gick fel hos oss"),
    ],
)
def test_a_page_is_refused_with_a_page_in_its_language(client, path, code, words):
    response = client.get(path)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert words in html
    lang = path.rsplit("=", 1)[1]
    assert f'<html lang="{lang}">' in html and response.headers["Content-Language"] == lang
    assert 'href="/"' in html  # a way on


def test_a_server_error_offers_to_try_again(client):
    html = client.get("/broken?lang=en").get_data(as_text=True)
    assert 'href="/broken?lang=en"' in html and "Try again" in html


def test_a_wrong_method_keeps_allow(client):
    response = client.post("/secret")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.mimetype == "text/html"


def test_the_api_keeps_its_json(client):
    for path, code in (("/api/v1/secret", 403), ("/api/v1/nowhere", 404)):
        response = client.get(path)
        assert response.status_code == code and response.is_json
        assert response.get_json()["code"] == code
