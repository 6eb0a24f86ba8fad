"""Documents the municipality sent the applicant (with a request for completion or a
decision) live with business_desk (GridFS); the applicant's case page fetches one with
intake's own service token, once it has checked that the visitor holds the case's link
or is its signed-in owner, and that the case's events named that document."""

from __future__ import annotations

from intake.settings import IntakeSettings
from kernel.platform.remote_files import File, FileFetcher, Unavailable, file_fetcher
from kernel.platform.service_client import ServiceClient

__all__ = ["DocumentFetcher", "File", "Unavailable", "document_fetcher"]

DocumentFetcher = FileFetcher


def document_fetcher(settings: IntakeSettings, client: ServiceClient | None = None) -> DocumentFetcher:
    client = client or ServiceClient(settings, "business_desk", timeout_s=30.0)
    return file_fetcher(
        client,
        lambda case_id, document_id: f"{settings.desk_url}/api/v1/cases/{case_id}/documents/{document_id}",
    )
