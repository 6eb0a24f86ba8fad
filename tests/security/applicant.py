"""An applicant's inquiry with the values a test later searches for after erasure."""

from __future__ import annotations

from typing import Any, NamedTuple

import requests

from tests.e2e.conftest import case_by_reference, wait_for


def applicant_values(run: str, name: str, company: str, place: str, phone_ending: str) -> dict[str, str]:
    """The values of a test run's applicant, each carrying `run`: `name` (their given and
    family name) with their email, a mobile number ending in `phone_ending`, `company`'s
    full name and an outdoor seating at `place` as the inquiry's description."""
    digits = run[:3].translate(str.maketrans("abcdef", "123456"))
    return {
        "email": f"{name.split()[0].lower()}.{run}@example.se",
        "name": f"{name} {run}",
        "phone": f"070-{digits} {phone_ending}",
        "company": f"{company} {run} AB",
        "description": f"Uteservering vid {place} {run}.",
    }


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


class CaseAtTheDesk(NamedTuple):
    receipt: dict[str, Any]  # intake's receipt of the inquiry
    case: dict[str, Any]  # the case business_desk opened for it
    auth: dict[str, str]  # a case handler's Authorization header
    url: str  # the case in business_desk's API


def case_at_the_desk(stack: Any, tokens: Any, values: dict[str, str], wait_s: float) -> CaseAtTheDesk:
    """Submit the applicant's inquiry (submit_inquiry) and wait up to `wait_s` seconds for
    business_desk's case, as a case handler sees it."""
    receipt = submit_inquiry(stack.url("intake"), values)
    auth = tokens.header("case_handler", "business_desk")
    case = wait_for(lambda: case_by_reference(stack, receipt["reference"], auth), wait_s, "the case")
    return CaseAtTheDesk(receipt, case, auth, f"{stack.url('business_desk')}/api/v1/cases/{case['id']}")
