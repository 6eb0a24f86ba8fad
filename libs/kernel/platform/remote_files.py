"""A file another service keeps, fetched with this service's own token: business_desk
asks intake for an applicant's attachment, intake asks business_desk for a document the
municipality sent. Unknown to the other service: None; the other service away: Unavailable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests

from kernel.platform.service_client import ServiceClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class File:
    content: bytes
    content_type: str
    disposition: str


FileFetcher = Callable[[str, str], File | None]


class Unavailable(Exception):
    """The service that keeps the file cannot be asked right now."""


def file_fetcher(client: ServiceClient, url_of: Callable[[str, str], str]) -> FileFetcher:
    """`url_of(case_id, file_id)`: the file's address at the service that keeps it."""

    def fetch(case_id: str, file_id: str) -> File | None:
        try:
            response = client.get(url_of(case_id, file_id))
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise Unavailable(str(exc)) from exc
        except Exception as exc:  # the network, the token endpoint
            log.warning("file %s of %s unavailable: %r", file_id, case_id, exc)
            raise Unavailable(str(exc)) from exc
        return File(
            response.content,
            response.headers.get("Content-Type", "application/octet-stream"),
            response.headers.get("Content-Disposition", "attachment"),
        )

    return fetch
