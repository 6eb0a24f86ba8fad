"""Permission matrix and access-token checks, with keys made here (no provider needed)."""

import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from kernel.web.auth import (
    ANONYMOUS,
    InvalidToken,
    PermissionMatrix,
    Principal,
    ProviderUnavailable,
    TokenVerifier,
)

ISSUER, AUDIENCE = "https://login.kommun.example", "urn:municipal:api"


def principal(*roles, case_types=()):
    return Principal(subject="u1", roles=frozenset(roles), case_types=frozenset(case_types))


class TestPermissionMatrix:
    matrix = PermissionMatrix.load()

    def test_every_permission_names_known_roles_and_scopes(self):
        assert set(self.matrix.roles) >= {"anonymous", "applicant", "case_handler", "team_lead", "manager"}
        assert {"provider", "administrator", "service"} <= set(self.matrix.roles)

    def test_a_handler_works_only_the_case_types_of_the_team(self):
        sara = principal("case_handler", case_types=["outdoor_seating"])
        assert self.matrix.allows(sara, "case.work", "outdoor_seating")
        assert not self.matrix.allows(sara, "case.work", "building_permit")

    def test_a_manager_reads_every_case_but_works_none(self):
        maria = principal("manager")
        assert self.matrix.allows(maria, "case.read", "building_permit")
        assert not self.matrix.allows(maria, "case.work", "building_permit")

    def test_the_widest_scope_of_several_roles_counts(self):
        both = principal("case_handler", "manager", case_types=["outdoor_seating"])
        assert self.matrix.allows(both, "case.read", "building_permit")

    def test_anonymous_may_submit_but_not_read_cases(self):
        assert self.matrix.allows(ANONYMOUS, "inquiry.submit")
        assert not self.matrix.allows(ANONYMOUS, "case.read")

    def test_a_grant_to_one_service_is_held_by_that_service_only(self):
        matrix = PermissionMatrix({"messages.read": {"service:intake": "all"}}, ["service", "manager"])

        def service(name, *roles):
            return Principal(subject=f"service-{name}", roles=frozenset(roles), service=name)

        assert matrix.scope(service("intake", "service"), "messages.read") == "all"
        assert matrix.scope(service("notify", "service"), "messages.read") is None
        # the claim alone does not make a service: the role must be there too
        assert matrix.scope(service("intake", "manager"), "messages.read") is None
        with pytest.raises(ValueError, match="unknown role"):
            PermissionMatrix({"messages.read": {"service:": "all"}}, ["service"])

    def test_an_unknown_role_in_the_matrix_is_refused_at_load(self):
        with pytest.raises(ValueError, match="unknown role"):
            PermissionMatrix({"case.read": {"janitor": "all"}}, ["manager"])


class FakeIssuer:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.published = [self.key]
        self.fetches = 0
        self.down = False

    def fetch(self, url):
        if self.down:
            raise requests.ConnectionError("connection refused")
        self.fetches += 1
        if url.endswith("/.well-known/openid-configuration"):
            return {"jwks_uri": f"{ISSUER}/jwks"}
        return KeySet(self.published).as_dict(private=False)

    def token(self, key=None, **claims):
        key = key or self.key
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "sara", "iat": now, "exp": now + 300, **claims}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


@pytest.fixture
def issuer():
    return FakeIssuer()


@pytest.fixture
def verifier(issuer):
    return TokenVerifier(ISSUER, AUDIENCE, fetch=issuer.fetch, min_refetch_s=0)


def test_a_valid_token_gives_the_roles_and_team(issuer, verifier):
    who = verifier.verify(issuer.token(roles=["case_handler"], case_types=["outdoor_seating"], name="Sara"))
    assert who.roles == {"case_handler"} and who.case_types == {"outdoor_seating"} and who.name == "Sara"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "urn:someone:else"},
        {"iss": "https://evil.example"},
    ],
    ids=["expired", "wrong audience", "wrong issuer"],
)
def test_tokens_not_meant_for_us_are_refused(issuer, verifier, claims):
    with pytest.raises(InvalidToken):
        verifier.verify(issuer.token(**claims))


def test_a_token_signed_by_another_key_is_refused(issuer, verifier):
    forger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(InvalidToken):
        verifier.verify(issuer.token(key=forger))
    with pytest.raises(InvalidToken):
        verifier.verify("not.a.token")


def test_rotated_keys_are_fetched_again(issuer, verifier):
    verifier.verify(issuer.token())
    new_key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    issuer.published = [issuer.key, new_key]
    assert verifier.verify(issuer.token(key=new_key)).subject == "sara"


def test_the_role_claim_is_configurable(issuer):
    verifier = TokenVerifier(ISSUER, AUDIENCE, role_claim="groups", fetch=issuer.fetch)
    assert verifier.verify(issuer.token(groups="manager team_lead")).roles == {"manager", "team_lead"}


def test_the_caller_is_identified_by_issuer_and_subject_not_by_name(issuer, verifier):
    sara = verifier.verify(issuer.token(sub="sara", name="Sara Handläggare"))
    namesake = verifier.verify(issuer.token(sub="sara-2", name="Sara Handläggare"))
    assert sara.name == namesake.name
    assert sara.actor_id == f"{ISSUER}#sara" and namesake.actor_id == f"{ISSUER}#sara-2"
    assert ANONYMOUS.actor_id is None
    assert Principal(subject="u1", roles=frozenset()).actor_id is None  # no issuer: nobody to name


def test_an_actor_id_splits_at_the_first_separator_and_legacy_ids_match_nobody():
    from kernel.domain.actors import actor_id, is_legacy, legacy_actor_id

    assert actor_id("https://login.example", "a#b") == "https://login.example#a#b"
    assert legacy_actor_id("Sara") == "legacy:Sara" and is_legacy("legacy:Sara")
    assert not is_legacy(actor_id("https://login.example", "legacy:Sara"))
    with pytest.raises(ValueError):
        actor_id("", "sara")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_key_the_issuer_removed_stops_verifying_within_the_ttl(issuer):
    clock = Clock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, fetch=issuer.fetch, ttl_s=60, min_refetch_s=10, clock=clock)
    old_token = issuer.token()
    assert verifier.verify(old_token).subject == "sara"
    new_key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    issuer.published = [new_key]  # k1 removed (compromised, say)
    clock.now += 59
    assert verifier.verify(old_token).subject == "sara"  # within the TTL: the cached set
    clock.now += 2
    with pytest.raises(InvalidToken):
        verifier.verify(old_token)
    assert verifier.verify(issuer.token(key=new_key)).subject == "sara"


def test_unknown_key_ids_refetch_the_keys_at_most_once_per_interval(issuer):
    clock = Clock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, fetch=issuer.fetch, ttl_s=300, min_refetch_s=30, clock=clock)
    verifier.verify(issuer.token())
    fetched = issuer.fetches
    stranger = RSAKey.generate_key(2048, parameters={"kid": "made-up"})
    for _ in range(45):  # one made-up key id a second for 45 s
        with pytest.raises(InvalidToken):
            verifier.verify(issuer.token(key=stranger))
        clock.now += 1
    assert issuer.fetches == fetched + 2  # the discovery document and the key set, once (at 30 s)


def test_an_unreachable_provider_is_unavailable_not_an_invalid_token_and_is_not_asked_per_request(issuer):
    clock = Clock()
    verifier = TokenVerifier(ISSUER, AUDIENCE, fetch=issuer.fetch, ttl_s=60, retry_after_s=5, clock=clock)
    issuer.down = True
    with pytest.raises(ProviderUnavailable) as unavailable:
        verifier.verify(issuer.token())
    assert unavailable.value.retry_after_s == 5
    issuer.down = False  # back, but not asked again before the retry interval
    clock.now += 1
    with pytest.raises(ProviderUnavailable) as unavailable:
        verifier.verify(issuer.token())
    assert unavailable.value.retry_after_s == 4
    clock.now += 5
    assert verifier.verify(issuer.token()).subject == "sara"
    issuer.down = True
    clock.now += 61  # the keys are out of date and cannot be renewed: no verdict on stale keys
    with pytest.raises(ProviderUnavailable):
        verifier.verify(issuer.token())


def test_the_service_role_is_honoured_only_from_a_client_credentials_token(issuer, verifier):
    notify = {"service": "notify", "roles": ["service", "manager"]}
    service = verifier.verify(issuer.token(sub="service-notify", client_id="service-notify", **notify))
    assert service.roles == {"service"} and service.service == "notify"  # no person's role for a machine
    claims = {"service": "notify", "roles": ["service", "case_handler"]}
    impostor = verifier.verify(issuer.token(sub="ivan", client_id="municipal-web", **claims))
    assert impostor.roles == {"case_handler"} and impostor.service is None
    assert verifier.verify(issuer.token(sub="ivan", roles=["service"])).roles == set()  # no client_id at all


def test_sign_in_returns_only_to_a_path_on_this_site():
    from kernel.web.signin import safe_next

    for target in ("/cases/1?lang=sv", "/my-cases"):
        assert safe_next(target) == target
    for target in (
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",  # a browser reads it as //evil.example
        "/\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "evil.example",
        "javascript:alert(1)",
    ):
        assert safe_next(target, "/home") == "/home", target
