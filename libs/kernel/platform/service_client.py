"""Calls to another service's API carry this service's own access token: OAuth 2.0
client credentials at the OpenID provider, for the called service's audience only
(RFC 8707 resource indicator), fetched on first use and renewed by Authlib before it
expires. One client per called service: a token that service receives opens no other."""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urljoin

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from kernel.platform.dependencies import OPENID_PROVIDER, TRACKER, DependencyUnavailable, reason_of
from kernel.platform.settings import Settings, api_audience
from kernel.web.auth import fetch_json
from kernel.web.paging import MAX_LIMIT

log = logging.getLogger(__name__)


class ServiceClient:
    def __init__(self, settings: Settings, target: str, timeout_s: float = 2.0) -> None:
        self._settings = settings
        self.dependency = f"{target} API"  # as the dependency tracker names it
        self.audience = api_audience(target)
        self._timeout_s = timeout_s
        self._session: OAuth2Session | None = None
        self._lock = threading.Lock()

    def get_json_or_none(self, url: str, params: dict[str, str] | None = None) -> Any:
        """The answer, or None (logged) while the other service or the token endpoint
        cannot be asked: for pages that do without what they would have shown."""
        try:
            return self.get_json(url, params)
        except DependencyUnavailable as exc:
            TRACKER.report(exc)  # told once, not once per page shown
            return None
        except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
            log.warning("%s unavailable: %r", url, exc)
            return None

    def get_items_or_none(
        self, url: str, params: dict[str, str] | None = None, max_pages: int = 20, page_size: int = MAX_LIMIT
    ) -> list[Any] | None:
        """Every item of a paged list (kernel.web.paging), its `next` links followed, at most
        `max_pages` pages; or None, as get_json_or_none."""
        items: list[Any] = []
        link: str | None = url
        query: dict[str, str] | None = {**(params or {}), "limit": str(page_size)}
        for _ in range(max_pages):
            page = self.get_json_or_none(link, query)  # type: ignore[arg-type]
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                return None
            items += page["items"]
            link, query = page.get("next"), None
            if not link:
                return items
            link = urljoin(url, link)  # relative to the service
        log.warning("%s: more than %d pages, the rest left out", url, max_pages)
        return items

    def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        return self.get(url, params).json()

    def get(self, url: str, params: dict[str, str] | None = None) -> Any:
        """The response (raised for an error status) of a GET with this service's token.
        DependencyUnavailable while the other service or the OpenID provider cannot be
        reached (a worker's loop waits for it: kernel.platform.retry)."""
        response = self._answer(url, params)
        if response.status_code == 401:  # revoked, or the issuer rotated its keys: once more
            self._session = None
            response = self._answer(url, params)
        if response.status_code in SERVICE_AWAY:
            raise DependencyUnavailable(self.dependency, f"{url} answered {response.status_code}")
        TRACKER.back(self.dependency)
        response.raise_for_status()
        return response

    def _answer(self, url: str, params: dict[str, str] | None) -> Any:
        session = self._session_with_token()
        try:
            return session.get(url, params=params, timeout=self._timeout_s)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DependencyUnavailable(self.dependency, reason_of(exc)) from exc

    def _session_with_token(self) -> OAuth2Session:
        try:
            session = self._fetch_session()
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DependencyUnavailable(OPENID_PROVIDER, reason_of(exc)) from exc
        TRACKER.back(OPENID_PROVIDER)
        return session

    def _fetch_session(self) -> OAuth2Session:
        with self._lock:
            if self._session is None:
                settings = self._settings
                discovery = fetch_json(f"{settings.oidc_issuer}/.well-known/openid-configuration")
                session = OAuth2Session(
                    client_id=settings.service_client_id,
                    client_secret=settings.service_client_secret,
                    token_endpoint=discovery["token_endpoint"],
                    grant_type="client_credentials",
                    scope="api",
                )
                session.fetch_token(resource=self.audience, timeout=self._timeout_s)
                self._session = session
            return self._session


# the other service (or the proxy before it) is away or overloaded
SERVICE_AWAY = frozenset({502, 503, 504})
