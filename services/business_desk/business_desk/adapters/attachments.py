"""Files an applicant attached to an answer in the portal live with intake (GridFS);
the case page fetches one with business_desk's own service token and hands it on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests

from business_desk.settings import DeskSettings
from kernel.platform.service_client import ServiceClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class File:
    content: bytes
    content_type: str
    disposition: str


AttachmentFetcher = Callable[[str, str], File | None]


class Unavailable(Exception):
    """intake cannot be asked right now."""


def attachment_fetcher(settings: DeskSettings, client: ServiceClient | None = None) -> AttachmentFetcher:
    client = client or ServiceClient(settings, "intake", timeout_s=30.0)

    def fetch(case_id: str, attachment_id: str) -> File | None:
        url = f"{settings.intake_url}/api/v1/inquiries/{case_id}/attachments/{attachment_id}"
        try:
            response = client.get(url)
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                return None
            raise Unavailable(str(exc)) from exc
        except Exception as exc:  # the network, the token endpoint
            log.warning("attachment %s of %s unavailable: %r", attachment_id, case_id, exc)
            raise Unavailable(str(exc)) from exc
        return File(
            response.content,
            response.headers.get("Content-Type", "application/octet-stream"),
            response.headers.get("Content-Disposition", "attachment"),
        )

    return fetch
