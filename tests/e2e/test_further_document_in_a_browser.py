"""The applicant's own on the tracking page, in headless Chromium against the running
services: after answering, a further document is refused without a file (the reason at
the field and in the summary, the note kept), then sent; the case handler opens it from
the case page; the applicant downloads their own file and answers the survey with a
comment."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.conftest import case_by_reference, wait_for
from tests.e2e.test_pages_in_a_browser import reload_until, sign_in, submit_inquiry

pytestmark = pytest.mark.e2e


def test_a_further_document_is_explained_when_refused_then_reaches_the_handler(
    stack,
    page,  # noqa: F811
    browser,  # noqa: F811
    tokens,
    tmp_path,
):
    intake, desk = stack.url("intake"), stack.url("business_desk")
    reference, tracking_url = submit_inquiry(page, intake, "Handlingar AB")
    auth = tokens.header("case_handler", "business_desk")
    case = wait_for(lambda: case_by_reference(stack, reference, auth), 15, "the case in the queue")
    requests.post(f"{desk}/api/v1/cases/{case['id']}/claim", headers=auth, timeout=10).raise_for_status()
    requests.post(
        f"{desk}/api/v1/cases/{case['id']}/completion-request",
        json={"message": "Skicka en planritning."},
        headers=auth,
        timeout=10,
    ).raise_for_status()

    page.goto(tracking_url)
    reload_until(page, "#waiting-for", "planritning")
    plan = tmp_path / "planritning.pdf"
    plan.write_bytes(b"%PDF-1.4\n% a floor plan\n%%EOF\n")
    page.fill("#answer", "Här är planritningen.")
    page.set_input_files("#files", str(plan))
    page.click("#answer-form button[type=submit]")
    page.locator("#sent").wait_for()
    reload_until(page, "#status", "arbetar|working")  # business_desk registered the reply

    # without a file: refused at the field and in the summary, the note still there
    page.fill("#document_note", "Brandskyddsintyget.")
    page.click("#document-form button[type=submit]")
    page.locator("#error-summary").wait_for()
    assert "Choose a file to send." in page.locator("#document_files-error").inner_text()
    assert page.locator("#document_files").get_attribute("aria-invalid") == "true"
    assert page.locator("#document_note").input_value() == "Brandskyddsintyget."
    assert_accessible(page)  # the refused form
    certificate = tmp_path / "brandskydd.pdf"
    certificate.write_bytes(b"%PDF-1.4\n% a fire safety certificate\n%%EOF\n")
    page.set_input_files("#document_files", str(certificate))
    page.click("#document-form button[type=submit]")
    page.locator("#sent").wait_for()
    assert "document has been sent" in page.locator("#sent").inner_text()
    answers = page.locator("#answers").inner_text()
    assert (
        answers.index("planritning.pdf") < answers.index("Further document") < answers.index("brandskydd.pdf")
    )
    with page.expect_download() as download:  # their own file, from their own page
        page.locator("#answers a", has_text="brandskydd.pdf").click()
    saved = tmp_path / "mine.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == certificate.read_bytes()

    handler = sign_in(browser, f"{desk}/cases/{case['id']}", "sara.handler")
    reload_until(handler, "#history", "Brandskyddsintyget")
    with handler.expect_download() as download:
        handler.locator("ul.attachments a", has_text="brandskydd.pdf").click()
    fetched = tmp_path / "fetched.pdf"
    download.value.save_as(fetched)
    assert fetched.read_bytes() == certificate.read_bytes()
    handler.context.close()

    # closed: the survey takes a comment too
    requests.post(
        f"{desk}/api/v1/cases/{case['id']}/close", json={"reason": "Klart."}, headers=auth, timeout=10
    ).raise_for_status()
    page.goto(tracking_url)
    reload_until(page, "#survey-h", ".")
    for question, score in (("overall", 9), ("expectations", 8), ("ideal", 8)):
        page.check(f"input[name={question}][value='{score}']")
    page.fill("#survey_comment", "Snabbt och vänligt.")
    page.click("#survey-form button[type=submit]")
    page.locator("#survey-answered").wait_for()
