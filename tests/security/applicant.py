"""An applicant's inquiry with the values a test later searches for after erasure."""

from __future__ import annotations

from typing import Any

import requests


def submit_inquiry(intake_url: str, values: dict[str, str]) -> dict[str, Any]:
    """Submit an alcohol-serving inquiry carrying the applicant's values; the receipt."""
    submitted = requests.post(
        f"{intake_url}/api/v1/inquiries",
        json={
            "organisation_number": "556703-7485",
            "company": values["company"],
            "contact_name": values["name"],
            "email": values["email"],
            "phone": values["phone"],
            "case_type": "alcohol_serving_licence",
            "description": values["description"],
            "language": "sv",
        },
        timeout=10,
    )
    assert submitted.status_code == 201, submitted.text
    return dict(submitted.json())
