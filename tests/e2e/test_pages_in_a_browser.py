"""The pages people use, in headless Chromium against the running services: the
business owner's form, receipt and tracking page, and the handler's queue and case page.

Kept in one module: the running system and the browser are started once for all of it (minutes each)."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.conftest import case_by_reference, mails_to, wait_for

pytestmark = pytest.mark.e2e


def reload_until(page, selector: str, pattern: str, timeout_s: float = 15.0) -> str:  # noqa: F811
    """Events travel between services through Kafka: reload until the page has caught up."""
    deadline = time.monotonic() + timeout_s
    while True:
        locator = page.locator(selector)
        text = locator.inner_text() if locator.count() else ""
        if re.search(pattern, text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} never matched {pattern!r}; last: {text!r}")
        time.sleep(0.2)
        page.reload()


def fill_inquiry(page, email: str, organisation_number: str) -> None:  # noqa: F811
    page.fill("#organisation_number", organisation_number)
    page.fill("#company", "Krogen vid Kajen AB")
    page.fill("#contact_name", "Lina Berg")
    page.fill("#email", email)
    page.fill("#phone", "070-765 43 21")
    page.select_option("#case_type", "alcohol_serving_licence")
    page.fill("#description", "Vi vill servera vin och öl i vår nya restaurang.")


def test_the_form_explains_mistakes_and_the_receipt_and_tracking_page_follow(stack, page):  # noqa: F811
    intake = stack.url("intake")
    page.goto(f"{intake}/?lang=en")
    assert page.locator("h1").inner_text() == "Inquiry or application to the municipality"
    page.click("a[lang=sv]")
    assert page.locator("h1").inner_text() == "Fråga eller ansökan till kommunen"
    assert_accessible(page)

    fill_inquiry(page, f"lina-{uuid.uuid4().hex[:8]}@example.se", "556703-7480")
    page.fill("#email", "not an email")
    page.click("button[type=submit]")
    alert = page.locator("[role=alert]")
    assert "Något behöver rättas" in alert.inner_text()
    assert_accessible(page)  # the form with its errors
    assert page.locator("#organisation_number").get_attribute("aria-invalid") == "true"
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert "kontrollsiffra" in page.locator("#organisation_number-error").inner_text()
    # What was typed is kept, so only the mistakes need fixing.
    assert page.locator("#company").input_value() == "Krogen vid Kajen AB"

    page.fill("#organisation_number", "556703-7485")
    page.fill("#email", f"lina-{uuid.uuid4().hex[:8]}@example.se")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Tack, vi har tagit emot ditt ärende"
    assert_accessible(page)
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"BUS-\d{4}-[A-Z0-9]{6}", reference), reference
    promised = page.locator("#promised").inner_text()
    assert re.search(r"\d{1,2} \w+\.? \d{4}", promised), promised  # the day in the page's language

    page.click("#tracking-link")
    assert reference in page.locator("h1").inner_text()
    assert page.locator("#promised").inner_text() == promised
    assert page.locator("#status").inner_text()
    assert page.locator("ol.history li").count() >= 1
    reload_until(page, "#messages", "Kvitto")  # the receipt, from notify with intake's service token
    assert_accessible(page)


def test_a_handler_works_a_case_from_the_queue_and_the_applicant_follows_it(stack, page, browser):  # noqa: F811
    intake, desk = stack.url("intake"), stack.url("business_desk")
    page.goto(f"{intake}/")
    fill_inquiry(page, f"lina-{uuid.uuid4().hex[:8]}@example.se", "556703-7485")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    tracking_url = page.locator("#tracking-link").get_attribute("href")

    handler_tab = browser.new_context(locale="en-GB").new_page()
    handler_tab.set_default_timeout(10_000)
    handler_tab.goto(f"{desk}/")
    # Not signed in: the desk sends the handler to the OpenID provider's login page.
    handler_tab.fill("input[name=login]", "sara.handler")
    handler_tab.fill("input[name=password]", "demo")
    handler_tab.click("button[type=submit]")
    handler_tab.click("button[type=submit]")  # consent: the provider asks once per session
    assert handler_tab.locator("#signed-in-as").inner_text() == "Sara Handläggare"
    handler_tab.click("a[href='/queues/alcohol_serving_licence']")
    reload_until(handler_tab, "#queue", re.escape(reference))
    # The queue is sorted by due date, soonest first.
    dues = handler_tab.locator("#queue tbody tr td:nth-child(2)").all_inner_texts()  # after the checkbox
    assert dues == sorted(dues)
    handler_tab.click(f"text={reference}")
    assert handler_tab.locator("#status").inner_text() == "Open, not claimed"
    # business_desk asks notify (with its own service token) what the applicant was sent.
    reload_until(handler_tab, "#deliveries", r"inquiry submitted\s+sent")

    handler_tab.click("button:has-text('Claim')")
    assert handler_tab.locator("#status").inner_text() == "In progress"
    # her own cases, across the queues, from the header; releasing gives the case back
    handler_tab.click("#my-cases")
    assert reference in handler_tab.locator("#queue").inner_text()
    assert_accessible(handler_tab)  # My cases, with the bulk form
    handler_tab.click(f"text={reference}")
    handler_tab.click("#release")
    assert handler_tab.locator("#handler").inner_text() == "—"
    assert "Released by Sara Handläggare" in handler_tab.locator("#history").inner_text()
    handler_tab.click("#my-cases")
    assert reference not in handler_tab.locator("main").inner_text()
    handler_tab.go_back()
    handler_tab.reload()
    handler_tab.click("button:has-text('Claim')")
    assert handler_tab.locator("#handler").inner_text() == "Sara Handläggare"

    handler_tab.fill("#message", "Skicka en planritning över serveringsytan.")
    handler_tab.click("button:has-text('Request completion')")
    assert handler_tab.locator("#status").inner_text() == "Waiting for the applicant"

    page.goto(tracking_url)
    reload_until(page, "#waiting-for", "planritning")
    assert_accessible(page)  # with the answer form

    handler_tab.fill("#reply", "Planritningen skickad per post.")
    handler_tab.click("button:has-text('Register reply')")
    assert handler_tab.locator("#status").inner_text() == "In progress"

    handler_tab.select_option("#outcome", "granted")
    handler_tab.fill("#answer", "Ni får tillstånd att servera alkohol till klockan 01.00.")
    handler_tab.click("button:has-text('Preview the decision')")
    # the letter the applicant will get, before anything is recorded; back keeps the answer
    assert "klockan 01.00" in handler_tab.locator("#preview-letter").inner_text()
    assert handler_tab.locator("#status").inner_text() != "Decided"
    handler_tab.click("button:has-text('Go back and change it')")
    assert "klockan 01.00" in handler_tab.locator("#answer").input_value()
    handler_tab.click("button:has-text('Preview the decision')")
    handler_tab.click("#confirm-decision")
    assert handler_tab.locator("#status").inner_text() == "Decided"
    assert "klockan 01.00" in handler_tab.locator("#decision").inner_text()

    reload_until(page, "#decision", "klockan 01.00")
    assert page.locator("#waiting-for").count() == 0
    assert "överklaga" in page.locator("#appeal").inner_text()
    assert_accessible(page)  # the decision
    letter = page.request.get(stack.url("intake") + page.locator("#letter").get_attribute("href"))
    assert (
        letter.ok
        and letter.headers["content-type"] == "application/pdf"
        and letter.body().startswith(b"%PDF")
    )
    history = page.locator("ol.history li").all_inner_texts()
    assert len(history) >= 4, history
    assert "Sara Handläggare" in handler_tab.locator("ol").last.inner_text()  # who decided, from the sign-in

    handler_tab.click("text=Sign out")
    handler_tab.click("button[value=yes]")  # the provider asks whether to end its session too
    handler_tab.goto(f"{desk}/")
    assert handler_tab.locator("input[name=login]").count() == 1  # signed out: back to the login page
    handler_tab.context.close()


def test_an_applicant_replaces_a_shared_link_and_follows_the_new_one_from_the_email(stack, page):  # noqa: F811
    from tests.e2e.conftest import mails_to, wait_for

    intake = stack.url("intake")
    email = f"lina-{uuid.uuid4().hex[:8]}@example.se"
    page.goto(f"{intake}/")
    fill_inquiry(page, email, "556703-7485")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    page.click("#tracking-link")
    old_link = page.url
    page.click("#new-link")
    assert "En ny länk har skickats" in page.locator("#message").inner_text()
    assert_accessible(page)  # a message page

    page.goto(old_link)
    assert "bytts ut" in page.locator("#message").inner_text()  # the old link is dead at once
    mail = wait_for(
        lambda: [m for m in mails_to(stack.infra.mail_url, email) if "En ny länk" in m["subject"]],
        what="the email with the new link",
    )[0]
    new_link = re.search(r"http://\S+/track/\S+", mail["body"]).group(0)
    assert new_link != old_link
    page.goto(new_link)
    assert reference in page.locator("h1").inner_text()
    assert "Länken till ärendet byttes ut" in page.locator("ol.history").inner_text()


def test_a_signed_in_applicant_finds_their_companys_cases_under_my_cases(stack, page):  # noqa: F811
    intake = stack.url("intake")
    page.goto(f"{intake}/")
    fill_inquiry(page, f"anna-{uuid.uuid4().hex[:8]}@example.se", "556703-7485")  # Anna's company
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    page.click("#my-cases-link")
    # Not signed in: choose how; with the e-ID, to the OpenID provider and back.
    assert_accessible(page)
    page.click("#sign-in-eid")
    page.fill("input[name=login]", "anna.applicant")
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # consent, once per session
    assert page.locator("#signed-in-as").inner_text() == "Anna Sökande"
    assert_accessible(page)  # My cases
    page.click(f"text={reference}")
    assert reference in page.locator("h1").inner_text()
    assert page.locator("ol.history li").count() >= 1
    assert page.locator("#new-link").count() == 0  # signed in, there is no link to replace


def sign_in(browser, url: str, login: str):  # noqa: F811
    tab = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900}).new_page()
    tab.set_default_timeout(10_000)
    tab.goto(url)
    tab.fill("input[name=login]", login)
    tab.fill("input[name=password]", "demo")
    tab.click("button[type=submit]")
    tab.click("button[type=submit]")  # consent
    return tab


def submit_inquiry(page, intake: str, company: str) -> tuple[str, str]:  # noqa: F811
    """Returns the case reference and its tracking link."""
    page.goto(f"{intake}/?lang=en")
    fill_inquiry(page, f"lina-{uuid.uuid4().hex[:8]}@example.se", "556703-7485")
    page.fill("#company", company)
    page.click("button[type=submit]")
    return page.locator("#reference").inner_text(), page.locator("#tracking-link").get_attribute("href")


def test_a_team_lead_searches_the_team_queue_assigns_and_the_handler_extends_once(stack, page, browser):  # noqa: F811
    intake, desk = stack.url("intake"), stack.url("business_desk")
    marker = f"Zeb{uuid.uuid4().hex[:6]}"
    reference, tracking_url = submit_inquiry(page, intake, f"Bistro {marker} AB")
    lead = sign_in(browser, f"{desk}/teams/licensing", "tina.lead")
    lead.fill("#q", marker.lower())
    lead.click("#filters button[type=submit]")
    reload_until(lead, "#queue", re.escape(reference))
    assert lead.locator("#queue tbody tr").count() == 1  # only the searched case
    lead.select_option("#status", "overdue")
    with lead.expect_navigation():
        lead.click("#filters button[type=submit]")
    assert lead.locator("#empty").count() == 1  # a new case is not overdue
    lead.goto(f"{desk}/teams/licensing?q={marker}")
    lead.click(f"text={reference}")
    # two people are called Sara Handläggare in the team: the list tells them apart by email
    lead.select_option("#assignee", label="Sara Handläggare (sara@kommun.example.se)")
    lead.click("button:has-text('Assign')")
    assert lead.locator("#handler").inner_text() == "Sara Handläggare"
    case_url = lead.url
    lead.context.close()

    sara = sign_in(browser, case_url, "sara.handler")
    due_before = sara.locator("#due").inner_text()
    sara.click("summary:has-text('Extend the deadline')")
    sara.fill("#extension-reason", "Yttrande från polisen behövs.")
    sara.click("button:has-text('Extend')")
    assert "Yttrande från polisen" in sara.locator("#due").inner_text()
    assert sara.locator("#due").inner_text()[:10] > due_before[:10]
    assert sara.locator("summary:has-text('Extend the deadline')").count() == 0  # only once
    sara.fill("#note", "Polisen kontaktad.")
    sara.click("button:has-text('Add note')")
    assert "Polisen kontaktad." in sara.locator("#notes").inner_text()
    assert sara.locator("#clocks").inner_text().count("days") >= 2  # net and gross side by side
    sara.context.close()

    page.goto(tracking_url)  # the applicant hears of the new date, never of the note
    reload_until(page, "ol.history", "extended")
    assert "Polisen kontaktad" not in page.content()


def test_a_manager_reads_the_dashboard_with_charts_and_exports(stack, page, browser, tmp_path):  # noqa: F811
    desk = stack.url("business_desk")
    submit_inquiry(page, stack.url("intake"), "Dashboard Demo AB")  # at least one received
    maria = sign_in(browser, f"{desk}/", "maria.manager")
    maria.click("#dashboard-link")
    reload_until(maria, "#received", r"[1-9]")
    assert maria.locator("h1").inner_text().startswith("Processing times")
    assert maria.locator(".charts figure").count() == 4
    for chart in ("#chart-trend", "#chart-times", "#chart-within", "#chart-backlog"):
        if maria.locator(f"{chart} .empty").count():  # one week's point is no trend: said in words
            assert maria.locator(f"{chart} .empty").inner_text().strip()
            continue
        box = maria.locator(chart).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 120, chart  # readable on a laptop
    maria.select_option("#group_by", "team")
    maria.click("#dashboard-filters button[type=submit]")
    assert "Licensing" in maria.locator("#groups").inner_text()  # the team by its name
    reload_until(maria, "#delivery-figures", r"(?i)email")  # notify's figures, fetched with a service token
    shot = tmp_path / "dashboard.png"
    maria.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    with maria.expect_download() as download:
        maria.click("text=Figures (CSV)")
    assert download.value.suggested_filename == "processing-times.csv"
    maria.context.close()


def test_the_public_case_type_pages_show_the_promise_and_live_figures(stack, page, tmp_path):  # noqa: F811
    """Runs after a handler has decided an alcohol licence above: its figures are live."""
    intake = stack.url("intake")
    page.goto(f"{intake}/?lang=en")
    page.click("#case-types-link")
    assert page.locator("h1").inner_text() == "What can I apply for, and how soon will I get an answer?"
    assert_accessible(page)
    row = page.locator("tr[data-case-type=alcohol_serving_licence]")
    assert "8 weeks" in row.inner_text()
    row.locator("a").click()
    assert page.locator("h1").inner_text() == "Alcohol serving licence"
    assert int(page.locator("#decided").inner_text()) >= 1
    assert page.locator("#share").inner_text().endswith("%")
    assert page.locator("#documents li").count() == 3
    assert_accessible(page)
    shot = tmp_path / "case-type.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.click("#apply")
    assert page.locator("#case_type").input_value() == "alcohol_serving_licence"


def test_the_applicant_answers_with_a_file_and_the_handler_opens_it(stack, page, browser, tokens, tmp_path):  # noqa: F811
    intake, desk = stack.url("intake"), stack.url("business_desk")
    reference, tracking_url = submit_inquiry(page, intake, "Bifogat AB")
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
    page.locator("[role=status]").wait_for()  # the page after the form or link has loaded
    assert page.locator("[role=status]").count() == 1
    assert page.locator("#sent").count() == 1  # back on the case page, which says the answer was sent
    reload_until(page, "#status", "arbetar|working")  # business_desk registered the reply: the clock runs

    handler = sign_in(browser, f"{desk}/cases/{case['id']}", "sara.handler")
    link = handler.locator("ul.attachments a", has_text="planritning.pdf")
    with handler.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == plan.read_bytes()  # fetched from intake with business_desk's service token
    handler.context.close()

    # Closed: the applicant is invited to the NKI survey and answers it on the tracking page.
    requests.post(
        f"{desk}/api/v1/cases/{case['id']}/close",
        json={"reason": "Ärendet är klart."},
        headers=auth,
        timeout=10,
    ).raise_for_status()
    page.goto(tracking_url)
    reload_until(page, "#survey-h", ".")
    for question, score in (("overall", 9), ("expectations", 8), ("ideal", 8)):
        page.check(f"input[name={question}][value='{score}']")
    shot = tmp_path / "survey.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert_accessible(page)  # the survey
    page.click("#survey-form button[type=submit]")
    page.locator("[role=status]").wait_for()  # the page after the form or link has loaded
    assert page.locator("[role=status]").count() == 1
    assert page.locator("#sent").count() == 1  # back on the case page, which thanks for the answers
    page.locator("#survey-answered").wait_for()  # the page after the form or link has loaded
    assert page.locator("#survey-answered").count() == 1


def test_the_portal_pages_fit_a_phone_screen(stack, browser, tmp_path):  # noqa: F811
    phone = browser.new_context(locale="sv-SE", viewport={"width": 375, "height": 740}, is_mobile=True)
    tab = phone.new_page()
    intake = stack.url("intake")
    for path in ("/", "/case-types", "/case-types/building_permit", "/?lang=en"):
        tab.goto(f"{intake}{path}")
        overflow = tab.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
        assert_accessible(tab)
    tab.screenshot(path=str(tmp_path / "form-on-a-phone.png"), full_page=True)
    phone.close()


def test_a_contact_signs_in_to_my_cases_with_the_link_from_the_email(stack, page):  # noqa: F811
    intake = stack.url("intake")
    address = f"lina-{uuid.uuid4().hex[:8]}@example.se"
    page.goto(f"{intake}/?lang=en")
    fill_inquiry(page, address, "556703-7485")
    page.click("button[type=submit]")
    reference = page.locator("#reference").inner_text()
    page.click("#my-cases-link")
    page.fill("#sign-in-email", address)
    page.click("#sign-in-link-form button[type=submit]")
    assert "on its way" in page.locator("#message").inner_text()
    mail = wait_for(
        lambda: [m for m in mails_to(stack.infra.mail_url, address) if "sign-in link" in m["subject"]],
        what="the email with the sign-in link",
    )[0]
    link = re.search(r"http://\S+/sign-in/\S+", mail["body"]).group(0)
    page.goto(link)
    assert page.locator("#sign-in-as").inner_text().endswith("@example.se")  # confirm: nothing used yet
    assert_accessible(page)
    page.click("#sign-in-confirm")
    assert reference in page.locator("main").inner_text()
    assert page.locator("#signed-in-as").inner_text().endswith("@example.se")
    assert_accessible(page)
    page.goto(link)
    assert "no longer works" in page.locator("#message").inner_text()  # once only
