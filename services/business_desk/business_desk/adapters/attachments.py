"""Files an applicant attached to an answer in the portal live with intake (GridFS);
the case page fetches one with business_desk's own service token and hands it on."""

from __future__ import annotations

from business_desk.settings import DeskSettings
from kernel.platform.remote_files import File, FileFetcher, Unavailable, file_fetcher
from kernel.platform.service_client import ServiceClient

__all__ = ["AttachmentFetcher", "File", "Unavailable", "attachment_fetcher"]

AttachmentFetcher = FileFetcher


def attachment_fetcher(settings: DeskSettings, client: ServiceClient | None = None) -> AttachmentFetcher:
    client = client or ServiceClient(settings, "intake", timeout_s=30.0)
    return file_fetcher(
        client,
        lambda case_id, attachment_id: (
            f"{settings.intake_url}/api/v1/inquiries/{case_id}/attachments/{attachment_id}"
        ),
    )
