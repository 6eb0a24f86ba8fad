"""Permission matrix and access-token checks, with keys made here (no provider needed)."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from kernel.auth import ANONYMOUS, InvalidToken, PermissionMatrix, Principal, TokenVerifier

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

    def fetch(self, url):
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
    from kernel.actors import actor_id, is_legacy, legacy_actor_id

    assert actor_id("https://login.example", "a#b") == "https://login.example#a#b"
    assert legacy_actor_id("Sara") == "legacy:Sara" and is_legacy("legacy:Sara")
    assert not is_legacy(actor_id("https://login.example", "legacy:Sara"))
    with pytest.raises(ValueError):
        actor_id("", "sara")
