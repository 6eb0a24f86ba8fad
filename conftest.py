"""Fixtures shared by every test suite: the embedded servers (started once per test
session, stopped at its end) and per-test isolation by database and topic prefix."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest

from kernel.platform.settings import Settings
from kernel.privacy.personal import new_master_key


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        help="the fault suite at full volume (tests/faults: 3,000+ inquiries; longer than 10 minutes)",
    )


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from devstack.infra import Infra

    servers = Infra(tmp_path_factory.mktemp("infra"), mongo_in_memory=True).start()
    yield servers
    servers.stop()


@pytest.fixture(autouse=True)
def no_outage_from_an_earlier_test() -> None:
    """The dependency tracker is one per process; a test's outage stays its own."""
    from kernel.platform.dependencies import TRACKER

    TRACKER.forget()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def isolated_env(infra, unique: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for one test: its own databases and topics on the shared servers."""
    env = {
        **infra.env(),
        "MONGODB_DATABASE_PREFIX": f"t{unique}_",
        "KAFKA_TOPIC_PREFIX": f"t{unique}.",
        "SECRET_KEY": f"test-secret-{unique}",
        "DATA_MASTER_KEY": new_master_key(),
        "COOKIE_SECURE": "0",
        # Tests submit many inquiries from one address; the limits have their own test.
        "RATE_LIMIT_SUBMIT": "10000/minute",
        "RATE_LIMIT_TRACKING": "10000/minute",
        "RATE_LIMIT_ADDRESS": "100000/minute",
        "RATE_LIMIT_SUBJECT": "100000/minute",
        "RATE_LIMIT_SERVICE": "100000/minute",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def settings_for(isolated_env: dict[str, str]) -> Callable[[str], Settings]:
    from devstack import settings_of

    return settings_of


@pytest.fixture
def mongo(infra) -> Iterator:
    from pymongo import MongoClient

    client = MongoClient(infra.mongodb_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def personal(isolated_env: dict[str, str]) -> Iterator:
    """The real personal-data codec on this test's key vault."""
    from kernel.platform.connections import mongo_client, personal_data

    settings = Settings.from_env("tests")
    client = mongo_client(settings)
    yield personal_data(settings, client)
    client.close()


@pytest.fixture
def wire(personal) -> Callable[[dict], bytes]:
    """A golden example (personal data opened) as it travels: sealed, as JSON bytes."""

    from kernel.eventsourcing.envelope import Envelope

    def to_wire(raw: dict) -> bytes:
        return personal.seal_event(Envelope.from_dict(raw)).to_json()

    return to_wire


class Tokens:
    """Access tokens of the demo users, signed in through the real OpenID provider, and
    of the services (client credentials): one per role and called service, since every
    service has its own audience (fetched once per test session)."""

    def __init__(self, issuer: str, service_secret: str) -> None:
        self._issuer = issuer
        self._service_secret = service_secret
        self._cache: dict[tuple[str, str], str] = {}

    def get(self, role: str, service: str) -> str:
        """A token of `role` (a demo user's role, or `service:<name>`) for `service`'s API."""
        from devstack.oidc import DEMO_USERS, login, service_token

        if (role, service) not in self._cache:
            if role.startswith("service:"):
                caller = role.split(":", 1)[1]
                token = service_token(self._issuer, caller, self._service_secret, service)
            else:
                token = login(self._issuer, DEMO_USERS[role], service)["access_token"]
            self._cache[role, service] = token
        return self._cache[role, service]

    def header(self, role: str, service: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.get(role, service)}"}

    def header_for(self, role: str, app) -> dict[str, str]:  # type: ignore[no-untyped-def]
        """The header for a request to this Flask app (its service's audience)."""
        return self.header(role, service_of(app))


@pytest.fixture(scope="session")
def tokens(infra) -> Tokens:
    return Tokens(infra.oidc_issuer, infra.service_client_secret)


def service_of(app) -> str:  # type: ignore[no-untyped-def]
    """Which service a Flask app is, by the audience its tokens must name."""
    from devstack import SERVICES
    from kernel.platform.settings import api_audience

    verifier, _ = app.extensions["kernel.web.auth"]
    return {api_audience(service): service for service in SERVICES}[verifier.audience]


@pytest.fixture
def signed_in(tokens: Tokens) -> Callable:
    """A Flask test client whose requests carry the access token of a demo user (for
    that app's audience)."""

    def client_for(app, role: str):  # type: ignore[no-untyped-def]
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens.get(role, service_of(app))}"
        return client

    return client_for


class DayClock:
    """A clock that says 10:00 UTC of its `day`; a test moves it on by setting `day`."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 10, tzinfo=UTC)


def inquiry_form(**fields: str) -> dict[str, str]:
    """An inquiry as an applicant sends it to intake (POST /api/v1/inquiries, or the form):
    a valid one (Byggmästarna i Nacka AB asking for an alcohol serving licence), with
    `fields` in place of its own values. The one source of the tests' inquiries."""
    return {
        "organisation_number": "556703-7485",
        "company": "Byggmästarna i Nacka AB",
        "contact_name": "Erik Lund",
        "email": "erik.lund@example.se",
        "phone": "070-123 45 67",
        "case_type": "alcohol_serving_licence",
        "description": "Serveringstillstånd för restaurang.",
        "language": "sv",
        **fields,
    }


def kafe_solsidan_inquiry(**fields: str) -> dict[str, str]:
    """Kafé Solsidan AB's inquiry (Anna Berg asks for outdoor seating), with `fields` in
    place of its own values: the inquiry of intake's own tests, of a company the demo
    applicant does not represent."""
    return inquiry_form(
        **{
            "organisation_number": "556036-0793",
            "company": "Kafé Solsidan AB",
            "contact_name": "Anna Berg",
            "email": "anna@example.se",
            "phone": "08-123 456 78",
            "case_type": "outdoor_seating",
            "description": "Uteservering med 12 platser.",
            **fields,
        }
    )


# pelle.provider's application to the kulturpeng programme (POST .../applications)
KULTURSKOLAN_APPLICATION = {
    "name": "Kulturskolan Pelle",
    "ownership": "private",
    "categories": ["music", "dance"],
    "contact_email": "pelle@kulturskolan.example.se",
    "description": "Music and dance lessons for children in the municipality.",
}
# the demo users of customer choice, as the dev OpenID provider signs them in
VOUCHER_OFFICER_VERA = ("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
CITIZEN_PERSONNUMMER = "20120315-2002"  # cilla.citizen's
PROVIDER_ORG = "5560360793"  # pelle.provider's organisation


def case_inquiry(
    n: int, case_type: str, received_on: str, series: str = "T", company: str | None = None
) -> dict:
    """The golden inquiry as the n-th of a test's cases: its own ids and reference
    (BUS-2026-<series><n>), case type and receipt date."""
    from kernel.eventsourcing.contracts import golden_example

    raw = golden_example("intake.inquiry_submitted")
    raw["event_id"] = f"00000000-0000-4000-8000-{n:012d}"
    raw["data"].update(
        inquiry_id=f"10000000-0000-4000-8000-{n:012d}",
        reference=f"BUS-2026-{series}{n:05d}",
        case_type=case_type,
        received_on=received_on,
    )
    if company is not None:
        raw["data"]["personal"]["company"] = company
    return raw


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# What every paged list refuses with 422 at the field: (query, the field named)
BAD_PAGE_QUERIES = [
    ("cursor=garbage", "cursor"),
    ("cursor=eyJzIjoiMTIzIn0", "cursor"),  # JSON, but of no list
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("limit=many", "limit"),
]


def every_page(client, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every page of a list from `url`, following `next` (each answered 200): the pages' bodies."""
    pages = [client.get(url)]
    while True:
        assert pages[-1].status_code == 200, pages[-1].get_json()
        following = pages[-1].get_json()["next"]
        if following is None:
            return [p.get_json() for p in pages]
        pages.append(client.get(following))
        assert len(pages) < 50


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def page_client() -> Callable:
    """A Flask test client signed in to the pages as a demo user, through the app's own
    /auth/login and the real OpenID provider's login page."""
    from urllib.parse import urlparse

    from devstack.oidc import DEMO_USERS, sign_in_at

    def client_for(app, role: str, language: str | None = None):  # type: ignore[no-untyped-def]
        client = app.test_client()
        if language:
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        started = client.get("/auth/login?next=/")
        assert started.status_code == 302, started.get_data(as_text=True)
        back = sign_in_at(started.headers["Location"], DEMO_USERS[role], "http://localhost/auth/callback")
        parsed = urlparse(back)
        done = client.get(f"{parsed.path}?{parsed.query}")
        assert done.status_code == 302, done.get_data(as_text=True)
        return client

    return client_for
