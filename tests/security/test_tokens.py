"""Finding 1.5 of issue 16, the access tokens, over HTTP against the real processes:
a token for one service's API opens no other service's; a person's token that claims
the `service` role opens nothing a service may; a key the issuer removed stops working
within the key set's TTL (not at the next restart); and while the OpenID provider is
away the services answer 503 with Retry-After (the pages: a page in the user's
language), not 500."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from joserfc.jwk import KeySet, RSAKey

from devstack.infra import OIDC_SERVER, Process, oidc_provider_env
from devstack.oidc import DEMO_USERS, login
from devstack.ports import free_port
from devstack.stack import Stack
from tests.e2e.conftest import own_stack, wait_for

pytestmark = pytest.mark.e2e

JWKS_TTL_S = 3


def claims_of(token: str) -> dict:
    """What a token says about itself (unverified: the test only reads it)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def case_lookup(stack: Stack, headers: dict[str, str]) -> requests.Response:
    """business_desk's case file by reference (`case.read`: the team's staff and managers)."""
    return requests.get(
        f"{stack.url('business_desk')}/api/v1/cases/by-reference/BUS-2026-NOSUCH", headers=headers, timeout=10
    )


def test_a_token_for_one_services_api_is_refused_by_the_others(stack, tokens):
    # Each token is valid, signed by the issuer, for the right caller: only its audience differs.
    # a valid token of a caller `case.read` does not name is refused the case (403), not the token
    assert case_lookup(stack, tokens.header("service:intake", "business_desk")).status_code == 403
    assert case_lookup(stack, tokens.header("manager", "business_desk")).status_code == 404
    for caller in ("service:intake", "service:notify", "manager"):
        token = tokens.get(caller, "notify")
        assert claims_of(token)["aud"] == "urn:municipal:notify"
        refused = case_lookup(stack, bearer(token))
        assert refused.status_code == 401, caller
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]

    # The case page's own call: business_desk's token for notify reads notify's log, and the
    # same service's token for intake (it fetches attachments there) does not.
    log = f"{stack.url('notify')}/api/v1/notifications"
    assert requests.get(log, headers=tokens.header("service:business_desk", "notify"), timeout=10).ok
    wrong = requests.get(log, headers=tokens.header("service:business_desk", "intake"), timeout=10)
    assert wrong.status_code == 401


def test_a_persons_token_claiming_the_service_role_opens_nothing_a_service_may(stack, tokens):
    token = tokens.get("impostor", "notify")
    claims = claims_of(token)
    assert claims["roles"] == ["service"] and claims["service"] == "notify"  # what it claims
    assert claims["sub"] != claims["client_id"]  # a person's token, from the web client

    notify = stack.url("notify")
    attempts = {
        "notification log": requests.get(f"{notify}/api/v1/notifications", headers=bearer(token), timeout=10),
        "portal messages": requests.get(
            f"{notify}/api/v1/messages",
            params={"reference": "BUS-2026-7KQ29X"},
            headers=bearer(token),
            timeout=10,
        ),
        "bounce webhook": requests.post(
            f"{notify}/api/v1/bounces",
            json={"message_id": "x", "reason": "x"},
            headers=bearer(token),
            timeout=10,
        ),
        "case file": case_lookup(stack, tokens.header("impostor", "business_desk")),
    }
    assert {what: r.status_code for what, r in attempts.items()} == dict.fromkeys(attempts, 403)
    # A real service token passes the same door.
    assert requests.get(
        f"{notify}/api/v1/notifications", headers=tokens.header("service:business_desk", "notify"), timeout=10
    ).ok


class RotatingProvider:
    """A development OpenID provider of this test's own whose signing keys the test
    chooses: it publishes what the key file holds when it starts."""

    def __init__(self, directory: Path, service_client_secret: str) -> None:
        self.port = free_port()
        self.keys_file = directory / "jwks.json"
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.process = Process(
            "oidc-rotating", ["node", str(OIDC_SERVER)], self.port, directory / "logs" / "oidc.log"
        )
        self._env = oidc_provider_env(self.port, service_client_secret, self.keys_file)

    def publish(self, *keys: RSAKey) -> None:
        self.keys_file.write_text(json.dumps(KeySet(list(keys)).as_dict(private=True)), encoding="utf-8")

    def start(self) -> None:
        self.process.start(self._env)

    def stop(self) -> None:
        self.process.stop()


def signing_key(name: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": f"{name}-{uuid.uuid4().hex[:6]}", "use": "sig"})


@pytest.fixture(scope="module")
def provider(infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RotatingProvider]:
    running = RotatingProvider(tmp_path_factory.mktemp("oidc"), infra.service_client_secret)
    running.publish(signing_key("first"))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def ttl_stack(infra, provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Every service on the session's store and broker, signing in at `provider`, with a
    short key-set TTL."""
    signing = {"OIDC_ISSUER": provider.issuer, "OIDC_JWKS_TTL_SECONDS": str(JWKS_TTL_S)}
    # four services' processes at once, on a busy machine
    yield from own_stack(infra, tmp_path_factory, signing, timeout_s=180)


def queue(stack: Stack, token: str) -> int:
    url = f"{stack.url('business_desk')}/api/v1/queues/alcohol_serving_licence"
    return requests.get(url, headers=bearer(token), timeout=10).status_code


def settled(check, accept, within_s: float, what: str, times: int = 6) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `check()` satisfies `accept` `times` in a row (each web worker has
    its own key cache, and a request reaches either)."""
    started = time.monotonic()

    def steady() -> bool:
        return all(accept(check()) for _ in range(times))

    wait_for(steady, within_s, what)
    return time.monotonic() - started


def test_a_key_the_issuer_removed_stops_working_within_the_ttl(provider, ttl_stack):
    old_key, new_key = signing_key("old"), signing_key("new")
    provider.stop()
    provider.publish(old_key)
    provider.start()
    sara = DEMO_USERS["case_handler"]
    old_token = login(provider.issuer, sara, "business_desk")["access_token"]
    assert (
        settled(lambda: queue(ttl_stack, old_token), lambda s: s == 200, 2 * JWKS_TTL_S + 10, "old key") >= 0
    )

    provider.stop()
    provider.publish(new_key)  # the old key is withdrawn (leaked, say): the services are not restarted
    provider.start()
    removed_at = time.monotonic()
    wait_for(lambda: queue(ttl_stack, old_token) == 401, JWKS_TTL_S + 10, "the removed key refused")
    settled(
        lambda: queue(ttl_stack, old_token), lambda s: s == 401, JWKS_TTL_S + 10, "refused by every worker"
    )
    assert time.monotonic() - removed_at <= JWKS_TTL_S + 5  # within the TTL (and the test's polling)

    new_token = login(provider.issuer, sara, "business_desk")["access_token"]
    settled(lambda: queue(ttl_stack, new_token), lambda s: s == 200, 10, "the new key")


def test_an_unreachable_provider_gives_503_with_retry_after_not_500(provider, ttl_stack):
    token = login(provider.issuer, DEMO_USERS["case_handler"], "business_desk")["access_token"]
    settled(lambda: queue(ttl_stack, token), lambda s: s == 200, 2 * JWKS_TTL_S + 10, "signed in")
    provider.stop()
    try:
        url = f"{ttl_stack.url('business_desk')}/api/v1/queues/alcohol_serving_licence"
        answers: list[requests.Response] = []

        def ask() -> int:
            answers.append(requests.get(url, headers=bearer(token), timeout=10))
            return answers[-1].status_code

        # Once the key set is older than its TTL, no verdict is given on stale keys. Each
        # web worker fetched its keys at its own time, so the answer looked at is one of
        # the settled run's, not a later request another worker may still serve.
        settled(ask, lambda s: s == 503, JWKS_TTL_S + 10, "503 from the API", times=10)
        answer = answers[-1]
        assert answer.status_code == 503 and int(answer.headers["Retry-After"]) >= 1
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["code"] == 503 and "sign-in service" in answer.json()["message"]

        # Signing in to the pages: a page saying so, in the user's language.
        for service, language, words in (
            ("intake", "sv", "inloggningstjänst"),
            ("business_desk", "sv", "inloggningstjänst"),
            ("vouchers", "en", "sign-in service"),
        ):
            page = requests.get(
                f"{ttl_stack.url(service)}/auth/login",
                headers={"Accept-Language": language},
                allow_redirects=False,
                timeout=10,
            )
            assert page.status_code == 503, (service, page.status_code)
            assert int(page.headers["Retry-After"]) >= 1
            assert page.headers["Content-Type"].startswith("text/html")
            assert words in page.text and f'lang="{language}"' in page.text, (service, page.text)
    finally:
        provider.start()
    # Back: the services verify again once their pause after the failure is over.
    settled(lambda: queue(ttl_stack, token), lambda s: s == 200, 20, "verified again")
