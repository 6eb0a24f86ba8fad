"""Signing in at the development OpenID provider the way a browser does (authorization
code flow with PKCE through its login and consent pages), and service tokens with the
client credentials grant. For tests, the seed data and the benchmarks."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

from kernel.platform.settings import api_audience

WEB_CLIENT_ID = "municipal-web"
# One demo user per role (see deploy/dev-oidc/server.mjs).
DEMO_USERS = {
    "applicant": "anna.applicant",
    "case_handler": "sara.handler",
    "case_handler_other_team": "hugo.handler",
    "team_lead": "tina.lead",
    "manager": "maria.manager",
    "provider": "pelle.provider",
    "voucher_officer": "vera.officer",
    "citizen": "cilla.citizen",
    "administrator": "ada.admin",
    # a person whose directory entry says `service` (see server.mjs): must count for nothing
    "impostor": "ivan.impostor",
}


def _form_action(html: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', html)
    if match is None:
        raise RuntimeError("the OpenID provider did not show a form")
    return match.group(1)


def sign_in_at(authorize_url: str, username: str, redirect_uri: str) -> str:
    """Walk the provider's login and consent pages from an authorization request, as
    `username`; returns the redirect back to the client (with the code)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    issuer = f"{urlparse(authorize_url).scheme}://{urlparse(authorize_url).netloc}"
    for _ in range(10):
        location = response.headers.get("location")
        if location and location.startswith(redirect_uri):
            return location
        if location:
            response = browser.get(urljoin(issuer, location), allow_redirects=False, timeout=10)
            continue
        html = response.text
        fields = (
            {"prompt": "login", "login": username, "password": "demo"}
            if 'value="login"' in html
            else {"prompt": "consent"}
        )
        response = browser.post(_form_action(html), data=fields, allow_redirects=False, timeout=10)
    raise RuntimeError(f"could not sign in as {username}")


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def login(
    issuer: str, username: str, service: str, redirect_uri: str = "http://127.0.0.1:1/auth/callback"
) -> dict:
    """The token response for `username` (access_token, id_token, ...), the access
    token for `service`'s API (each service has its own audience)."""
    verifier, challenge = pkce_pair()
    query = {
        "client_id": WEB_CLIENT_ID,
        "response_type": "code",
        "scope": "openid profile email roles",
        "redirect_uri": redirect_uri,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "resource": api_audience(service),
    }
    location = sign_in_at(f"{issuer}/auth?{urlencode(query)}", username, redirect_uri)
    code = parse_qs(urlparse(location).query)["code"][0]
    token = requests.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": WEB_CLIENT_ID,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    token.raise_for_status()
    return token.json()


def service_token(issuer: str, service: str, secret: str, target: str) -> str:
    """An access token of `service` (client credentials) for `target`'s API."""
    response = requests.post(
        f"{issuer}/token",
        data={"grant_type": "client_credentials", "scope": "api", "resource": api_audience(target)},
        auth=(f"service-{service}", secret),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])
