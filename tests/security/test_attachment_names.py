"""Found after issue 16: the name of a file an applicant attaches to an answer is free text
that no check read. A bell, a right-to-left override (`ritning\u202efdp.exe` shows as
another name) or a 20,000-character name went through the tracking page into the event,
the case history and the staff's case page. Over HTTP against the real processes: such a
name is refused at the files field, the case keeps waiting for the answer, and a proper
name is taken after it."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import csrf_token
from tests.e2e.conftest import case_by_reference, first_match, wait_for

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4 a drawing\n"
HOSTILE_NAMES = {
    "a control character": "ritning\x07.pdf",
    "a bidirectional override": "ritning\u202egnp.pdf",
    "a line break": "ritning\r\nBcc: x@evil.example.pdf",
    "a name longer than a file system takes": "r" * 20_000 + ".pdf",
}


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A form with one file, its name as RFC 7578 (percent-encoded `filename*`), so every
    character reaches the server as the applicant's browser or script chose it."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    encoded = requests.utils.quote(filename, safe="")
    parts.append(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''{encoded}\r\n"
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def waiting_case(stack, tokens) -> dict[str, str]:
    """A case the municipality asked to complete: its tracking link waits for the answer."""
    intake, browser = stack.url("intake"), requests.Session()
    inquiry = {
        "organisation_number": "556703-7485",
        "company": "Kafé Filnamn AB",
        "contact_name": "Fia Filnamn",
        "email": f"files-{uuid.uuid4().hex[:8]}@example.se",
        "phone": "070-123 45 67",
        "case_type": "alcohol_serving_licence",
        "description": "Serveringstillstånd.",
        "language": "sv",
        "csrf_token": csrf_token(browser.get(f"{intake}/", timeout=10).text),
    }
    receipt = browser.post(f"{intake}/", data=inquiry, timeout=10)
    assert receipt.status_code == 201, receipt.text
    reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)  # type: ignore[union-attr]
    tracking_url = re.search(r'id="tracking-link" href="([^"]+)"', receipt.text).group(1)  # type: ignore[union-attr]
    handler = tokens.header("case_handler", "business_desk")
    case = wait_for(lambda: case_by_reference(stack, reference, handler), 60, "the case")
    case_url = f"{stack.url('business_desk')}/api/v1/cases/{case['id']}"  # type: ignore[index]
    assert requests.post(f"{case_url}/claim", headers=handler, timeout=10).status_code == 200
    asked = requests.post(
        f"{case_url}/completion-request",
        json={"message": "Skicka planritningen."},
        headers=handler,
        timeout=10,
    )
    assert asked.status_code == 200, asked.text
    wait_for(
        lambda: first_match(
            lambda: browser.get(tracking_url, timeout=10).text, lambda text: "Skicka planritningen." in text
        ),
        30,
        "the request on the tracking page",
    )
    return {"tracking_url": tracking_url.split("?")[0], "case_url": case_url}


def answer_with(tracking_url: str, filename: str) -> requests.Response:
    browser = requests.Session()
    page = browser.get(tracking_url, timeout=10).text
    body, content_type = multipart(
        {"csrf_token": csrf_token(page), "answer": "Här är ritningen."}, filename, PDF
    )
    return browser.post(
        f"{tracking_url}/answer", data=body, headers={"Content-Type": content_type}, timeout=10
    )


@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_a_hostile_file_name_is_refused_at_the_files_field(stack, tokens, waiting_case, name):
    refused = answer_with(waiting_case["tracking_url"], HOSTILE_NAMES[name])
    assert refused.status_code == 422, refused.text[:500]
    assert re.search(r'id="files-error"', refused.text), "the reason is shown at the files field"
    case = requests.get(
        waiting_case["case_url"], headers=tokens.header("case_handler", "business_desk"), timeout=10
    ).json()
    assert case["status"] == "waiting_for_applicant", "nothing of the refused answer reached the case"


def test_a_proper_file_name_is_taken_after_the_refused_ones(stack, tokens, waiting_case):
    taken = answer_with(waiting_case["tracking_url"], "planritning våning 2.pdf")
    assert taken.status_code == 200, taken.text[:500]
    handler = tokens.header("case_handler", "business_desk")
    case = wait_for(
        lambda: first_match(
            lambda: requests.get(waiting_case["case_url"], headers=handler, timeout=10).json(),
            lambda c: c["status"] == "in_progress",
        ),
        30,
        "the answer on the case",
    )
    assert "planritning våning 2.pdf" in case["history"][-1]["detail"]  # type: ignore[index]
