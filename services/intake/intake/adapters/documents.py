"""Documents the municipality sent the applicant (with a request for completion or a
decision) live with business_desk (GridFS); the applicant's case page fetches one with
intake's own service token, once it has checked that the visitor holds the case's link
or is its signed-in owner, and that the case's events named that document."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests

from intake.settings import IntakeSettings
from kernel.platform.service_client import ServiceClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class File:
    content: bytes
    content_type: str
    disposition: str


DocumentFetcher = Callable[[str, str], File | None]


class Unavailable(Exception):
    """business_desk cannot be asked right now."""


def document_fetcher(settings: IntakeSettings, client: ServiceClient | None = None) -> DocumentFetcher:
    client = client or ServiceClient(settings, "business_desk", timeout_s=30.0)

    def fetch(case_id: str, document_id: str) -> File | None:
        url = f"{settings.desk_url}/api/v1/cases/{case_id}/documents/{document_id}"
        try:
            response = client.get(url)
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise Unavailable(str(exc)) from exc
        except Exception as exc:  # the network, the token endpoint
            log.warning("document %s of %s unavailable: %r", document_id, case_id, exc)
            raise Unavailable(str(exc)) from exc
        return File(
            response.content,
            response.headers.get("Content-Type", "application/octet-stream"),
            response.headers.get("Content-Disposition", "attachment"),
        )

    return fetch
