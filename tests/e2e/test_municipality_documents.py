"""Issue 19 across the real processes, in headless Chromium: the handler attaches a
document to a request for completion on the case page (a refused file is named at its
field, the typed text kept), the applicant is told by email and downloads it from the
tracking page (intake fetches it from business_desk with its own service token), and a
document id of another case, or a link of another case, gets nothing."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.conftest import case_by_reference, mails_to, own_stack, post_inquiry, wait_for
from tests.e2e.test_pages_in_a_browser import reload_until, sign_in

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n% blankett for serveringstillstand\n%%EOF\n"


@pytest.fixture(scope="module")
def stack(infra, tmp_path_factory):
    yield from own_stack(infra, tmp_path_factory, {"DOCUMENT_MAX_BYTES": "100000"})


def test_a_handler_sends_a_document_with_a_completion_request_and_only_its_applicant_gets_it(
    stack,
    infra,
    page,  # noqa: F811
    browser,  # noqa: F811
    tokens,
    tmp_path,
):
    intake, desk = stack.url("intake"), stack.url("business_desk")
    auth = tokens.header("case_handler", "business_desk")
    address = f"doc-{uuid.uuid4().hex[:8]}@example.se"
    mine = post_inquiry(intake, company="Handlingar AB", email=address, case_type="alcohol_serving_licence")
    other = post_inquiry(intake, company="Annan AB", case_type="alcohol_serving_licence")
    cases = [
        wait_for(lambda r=r: case_by_reference(stack, r["reference"], auth), 20, "the case")
        for r in (mine, other)
    ]
    for case in cases:
        requests.post(f"{desk}/api/v1/cases/{case['id']}/claim", headers=auth, timeout=10).raise_for_status()

    handler = sign_in(browser, f"{desk}/cases/{cases[0]['id']}?lang=sv", "sara.handler")
    wrong = tmp_path / "blankett.pdf"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    handler.fill("#message", "Fyll i den bifogade blanketten.")
    handler.set_input_files("#completion-documents", str(wrong))
    handler.click("#completion-documents ~ button[type=submit]")
    error = handler.locator("#completion-documents-error")
    error.wait_for()
    assert "PDF" in error.inner_text() and "blankett.pdf" in error.inner_text()
    assert handler.locator("#message").input_value() == "Fyll i den bifogade blanketten."
    assert handler.locator("#error-summary a[href='#completion-documents']").count() == 1
    assert_accessible(handler)  # the refused form

    big = tmp_path / "stor.pdf"
    big.write_bytes(PDF + b"0" * 100_001)
    handler.set_input_files("#completion-documents", str(big))
    handler.click("#completion-documents ~ button[type=submit]")
    handler.locator("#completion-documents-error").wait_for()
    assert "för stor" in handler.locator("#completion-documents-error").inner_text()

    good = tmp_path / "blankett-servering.pdf"
    good.write_bytes(PDF)
    handler.set_input_files("#completion-documents", str(good))
    handler.click("#completion-documents ~ button[type=submit]")
    handler.locator("ul.attachments a", has_text="blankett-servering.pdf").wait_for()
    handler.context.close()

    # the applicant: told by email, and the document is on the tracking page
    email = wait_for(
        lambda: [m for m in mails_to(infra.mail_url, address) if "bifogat en handling" in m["body"]],
        20,
        "the completion request email",
    )
    assert PDF.decode("latin-1") not in email[0]["body"]  # the email says so; the file is not in it
    page.goto(f"{mine['tracking_url']}?lang=sv")
    reload_until(page, "#municipality-documents", "blankett-servering.pdf")
    assert_accessible(page)
    link = page.locator("#municipality-documents a", has_text="blankett-servering.pdf")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "hamtad.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF  # intake fetched it from business_desk

    # another case's tracking link does not open it; an unknown id is not found either
    href = link.get_attribute("href")
    document_id = href.split("/documents/")[1].split("?")[0]
    assert requests.get(f"{other['tracking_url']}/documents/{document_id}", timeout=10).status_code == 404
    assert requests.get(f"{mine['tracking_url']}/documents/{'0' * 24}", timeout=10).status_code == 404
    # business_desk gives it to intake's service token only, and for its own case only
    api = f"{desk}/api/v1/cases/{{}}/documents/{document_id}"
    as_intake = tokens.header("service:intake", "business_desk")
    assert requests.get(api.format(cases[0]["id"]), headers=as_intake, timeout=10).content == PDF
    assert requests.get(api.format(cases[1]["id"]), headers=as_intake, timeout=10).status_code == 404
    as_notify = tokens.header("service:notify", "business_desk")
    assert requests.get(api.format(cases[0]["id"]), headers=as_notify, timeout=10).status_code == 403
