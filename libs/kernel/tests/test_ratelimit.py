"""Every service counts every request per client address and per signed-in caller (429
with Retry-After, JSON on the API, the page's language on pages), and with a mongodb://
RATELIMIT_STORAGE_URI the counts live in the shared store."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

SERVICES = ("intake", "business_desk", "notify", "vouchers")


def create(service: str, settings_for):  # type: ignore[no-untyped-def]
    from importlib import import_module

    return import_module(service).create_app(settings_for(service))


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_limits_each_address(service, settings_for, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "3/minute")
    client = create(service, settings_for).test_client()
    statuses = [client.get("/api/openapi.json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/openapi.json")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.is_json and refused.get_json()["code"] == 429
    # the probes stay open, and another address has its own allowance
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/openapi.json", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200


@pytest.mark.parametrize("service", SERVICES)
def test_paths_that_match_no_route_count_too(service, settings_for, monkeypatch):
    """A scan of guessed URLs gets 404s and then 429, like any other flood."""
    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "3/minute")
    client = create(service, settings_for).test_client()
    statuses = [client.get(f"/wp-admin/{n}.php").status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    assert client.delete("/api/openapi.json").status_code == 429  # 405 otherwise
    assert client.get("/api/openapi.json").status_code == 429


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_limits_each_signed_in_caller_across_addresses(
    service, settings_for, monkeypatch, tokens
):
    monkeypatch.setenv("RATE_LIMIT_SUBJECT", "2/minute")
    monkeypatch.setenv("RATE_LIMIT_SERVICE", "4/minute")
    client = create(service, settings_for).test_client()

    def call(role: str, address: str) -> int:
        return client.get(
            "/api/openapi.json", headers=tokens.header(role, service), environ_base={"REMOTE_ADDR": address}
        ).status_code

    # a new address per request does not reset a caller's allowance
    assert [call("manager", f"10.1.0.{n}") for n in range(3)] == [200, 200, 429]
    assert call("case_handler", "10.1.0.9") == 200  # another person has their own
    assert [call("service:intake", f"10.2.0.{n}") for n in range(5)] == [200] * 4 + [429]


def test_a_forged_token_is_refused_before_it_is_counted_as_anyone(settings_for):
    client = create("vouchers", settings_for).test_client()
    response = client.get("/api/v1/programmes", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("service", "path", "words"),
    [
        ("intake", "/?lang=sv", "För många förfrågningar"),
        ("intake", "/?lang=en", "Too many requests"),
        ("business_desk", "/dashboard?lang=sv", "För många förfrågningar"),
        ("vouchers", "/?lang=en", "Too many requests"),
        ("vouchers", "/", "För många förfrågningar"),
    ],
)
def test_a_refused_page_speaks_the_pages_language(service, path, words, settings_for, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "1/minute")
    client = create(service, settings_for).test_client()
    client.get(path)
    refused = client.get(path, headers={"Accept": "text/html"})
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert words in refused.get_data(as_text=True) and int(refused.headers["Retry-After"]) > 0


def test_with_a_mongodb_store_the_counts_are_shared(settings_for, monkeypatch, infra, mongo):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", infra.mongodb_uri)
    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "5/minute")
    settings = settings_for("notify")
    client = create("notify", settings_for).test_client()
    assert [client.get("/api/openapi.json").status_code for _ in range(3)] == [200] * 3
    windows = mongo[settings.rate_limit_database]["windows"]
    [window] = list(windows.find({"_id": {"$regex": "address"}}))
    assert "notify|127.0.0.1" in window["_id"] and len(window["entries"]) == 3
    # what another worker or replica counts in the same store counts here too
    windows.update_one({"_id": window["_id"]}, {"$push": {"entries": window["entries"][0]}})
    assert [client.get("/api/openapi.json").status_code for _ in range(2)] == [200, 429]


def test_retry_after_is_said_only_by_a_refusal_and_a_503_keeps_its_own(settings_for, monkeypatch):
    """Flask-Limiter put its window's reset (up to a minute) into Retry-After on every
    response, a 200's and an outage's 503 (whose store is back in seconds) alike."""
    from pymongo.errors import ServerSelectionTimeoutError

    from kernel.web.signin import RETRY_AFTER_S

    monkeypatch.setenv("RATE_LIMIT_ADDRESS", "3/minute")
    app = create("vouchers", settings_for)

    @app.get("/api/v1/test-outage")
    def outage():  # type: ignore[no-untyped-def]
        raise ServerSelectionTimeoutError("127.0.0.1:1: [Errno 111] Connection refused")

    client = app.test_client()
    fine = client.get("/api/openapi.json")
    assert fine.status_code == 200 and "Retry-After" not in fine.headers
    away = client.get("/api/v1/test-outage")
    assert away.status_code == 503 and away.headers["Retry-After"] == str(RETRY_AFTER_S)
    client.get("/api/openapi.json")
    refused = client.get("/api/openapi.json")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 61
