"""Every form's error path in Chromium, in Swedish and in English: all the errors at once,
each at its field (marked invalid, its message beside it) and in the summary at the top of
the form linking to it, in the page's language, what was typed kept, and the page still
passing axe's WCAG 2.1 AA checks.

A browser would not send most of these values (a date field takes no 2026-02-30): the
tests write them into the fields as a tampered or an old browser would, since the server's
refusal is what is tested. One running system for the module (a stack start is minutes)."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from devstack.vouchers_api import VouchersApi
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.conftest import case_by_reference, wait_for
from tests.e2e.test_vouchers_end_to_end import fresh_organisation_number

pytestmark = pytest.mark.e2e

LOCALES = {"sv": "sv-SE", "en": "en-GB"}
# what a Swedish page must not say: marshmallow's and Python's English
ENGLISH = ("Missing data", "Not a valid", "Length must", "must be", "Invalid", "Field may not")
SWEDISH_HEADINGS = ("rätta", "kunde inte", "Något")


def sign_in(browser, url: str, login: str, lang: str):  # noqa: F811
    """A tab signed in as `login` at the OpenID provider, on `url` after it."""
    tab = browser.new_context(locale=LOCALES[lang], viewport={"width": 1366, "height": 900}).new_page()
    tab.set_default_timeout(10_000)
    site = "/".join(url.split("/")[:3])
    tab.goto(url)
    if tab.locator("#sign-in-eid").count():
        tab.click("#sign-in-eid")  # intake: the e-ID, not the email link
    tab.fill("input[name=login]", login)
    tab.fill("input[name=password]", "demo")
    tab.click("button[type=submit]")
    if not tab.url.startswith(site):
        tab.click("button[type=submit]")  # consent: the provider asks once per session
    assert tab.url.startswith(site), tab.url
    return tab


def by_id(field: str) -> str:
    return f"[id='{field}']"


def write(tab, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Put a value the field's own type would refuse into it (a date field as text)."""
    tab.locator(by_id(field)).evaluate(
        "(el, v) => { if (el.type === 'date') el.type = 'text'; el.value = v; }", value
    )


def choose_anything(tab, field: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """A select with an option it does not offer, chosen (a tampered form)."""
    tab.locator(by_id(field)).evaluate(
        "(el, v) => { const o = document.createElement('option'); o.value = v; o.text = v;"
        " el.appendChild(o); el.value = v; }",
        value,
    )


def submit(tab, form: str) -> None:  # type: ignore[no-untyped-def]
    tab.locator(form).evaluate(
        "f => f.setAttribute('novalidate', '')"
    )  # the server's checks, not the browser's
    tab.locator(f"{form} button[type=submit]").first.click()
    tab.wait_for_load_state()


def errors_at(
    tab, lang: str, *fields: str, kept: dict[str, str] | None = None, groups: tuple[str, ...] = ()
) -> dict[str, str]:
    """Each field marked invalid with its message beside it and a link to it in the summary;
    the messages in the page's language; what was typed still there; axe is content."""
    assert tab.locator("html").get_attribute("lang") == lang
    summary = tab.locator(".error-summary")
    assert summary.count() == 1 and summary.is_visible(), tab.url
    said = {}
    for field in (*fields, *groups):
        marked = tab.locator(by_id(field))
        if field in groups:  # a group of radio buttons: described by its error
            assert f"{field}-error" in (marked.get_attribute("aria-describedby") or ""), field
        else:
            assert marked.get_attribute("aria-invalid") == "true", field
        error = tab.locator(by_id(f"{field}-error"))
        assert error.is_visible(), field
        said[field] = error.inner_text()
        assert summary.locator(f"a[href='#{field}']").count() == 1, field
        if lang == "sv":
            assert not any(word in said[field] for word in ENGLISH), (field, said[field])
    for field, value in (kept or {}).items():
        # sent back as typed; a date field shows no day that does not exist, its value attribute holds it
        typed = tab.locator(by_id(field))
        assert value in (typed.input_value(), typed.get_attribute("value")), field
    assert_accessible(tab)
    return said


@pytest.fixture(scope="module")
def case(stack, tokens):  # type: ignore[no-untyped-def]
    """An inquiry of sara's team, turned into a case on the desk: its id."""
    intake = stack.url("intake")
    inquiry = {
        "organisation_number": "556703-7485",
        "company": "Krogen vid Kajen AB",
        "contact_name": "Lina Berg",
        "email": f"lina-{uuid.uuid4().hex[:8]}@example.se",
        "phone": "070-765 43 21",
        "case_type": "alcohol_serving_licence",
        "description": "Vi vill servera vin.",
        "language": "sv",
    }
    receipt = requests.post(f"{intake}/api/v1/inquiries", json=inquiry, timeout=10).json()
    found = wait_for(
        lambda: case_by_reference(
            stack, receipt["reference"], tokens.header("case_handler", "business_desk")
        ),
        60,
        "the case",
    )
    return found["id"]  # type: ignore[index]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_case_page_s_forms_and_the_bulk_form_show_every_error_at_its_field(stack, browser, case, lang):  # noqa: F811
    desk = stack.url("business_desk")
    sara = sign_in(browser, f"{desk}/cases/{case}", "sara.handler", lang)
    sara.goto(f"{desk}/cases/{case}")
    claim = sara.locator(f"form[action='/cases/{case}/claim']")
    if claim.count():
        claim.locator("button[type=submit]").click()

    # the completion request: a message too long and a day that does not exist, both told
    long_message = "Skicka ritningen. " * 300  # 5 400 characters: over 5 000
    sara.fill("#message", long_message)
    write(sara, "reply_by", "2026-02-30")
    submit(sara, f"form[action='/cases/{case}/completion-request']")
    errors_at(sara, lang, "message", "reply_by", kept={"message": long_message})

    # the decision: no answer and a legal reference too long; then its preview
    sara.goto(f"{desk}/cases/{case}")
    sara.select_option("#outcome", "granted")
    sara.fill("#answer", "   ")
    sara.fill("#legal_reference", "8 kap. 2 § alkohollagen " * 30)
    submit(sara, f"form[action='/cases/{case}/decision']")
    errors_at(sara, lang, "answer", "legal_reference")
    sara.fill("#answer", "Ni får tillstånd att servera till klockan 01.00.")
    sara.fill("#legal_reference", "8 kap. 2 § alkohollagen")
    submit(sara, f"form[action='/cases/{case}/decision']")
    assert "klockan 01.00" in sara.locator("#preview-letter").inner_text()
    assert_accessible(sara)  # the preview
    sara.locator("button[name=step][value=edit]").click()
    assert "klockan 01.00" in sara.locator("#answer").input_value()

    # the work status: a value the list does not offer, with a right-to-left override
    choose_anything(sara, "work-status", "site_visit\u202e")
    submit(sara, f"form[action='/cases/{case}/status']")
    errors_at(sara, lang, "work-status")

    # the queue's bulk form: no case chosen and no status for the status step
    sara.goto(f"{desk}/queues/alcohol_serving_licence")
    sara.select_option("#bulk_action", "status")
    submit(sara, "form:has(#bulk_action)")
    errors_at(sara, lang, "work_status")
    # the cases: a list of checkboxes, each described by the error above it, linked from the summary
    assert sara.locator("#cases-error").is_visible()
    assert sara.locator(".error-summary a[href='#cases']").count() == 1
    assert sara.locator("input[name=cases]").first.get_attribute("aria-describedby") == "cases-error"
    assert sara.locator("#bulk_action").input_value() == "status"
    sara.context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_dashboard_filter_shows_every_error_at_its_field(stack, browser, lang):  # noqa: F811
    desk = stack.url("business_desk")
    maria = sign_in(browser, f"{desk}/dashboard", "maria.manager", lang)
    maria.goto(f"{desk}/dashboard")
    write(maria, "from", "2026-02-30")
    write(maria, "to", "2026-13-01")
    submit(maria, "form:has(#from)")
    errors_at(maria, lang, "from", "to", kept={"from": "2026-02-30", "to": "2026-13-01"})
    maria.context.close()


@pytest.fixture(scope="module")
def programmes(stack, tokens):  # type: ignore[no-untyped-def]
    """An application waiting, pelle's school and another approved, cilla's voucher with pelle's."""
    vouchers = stack.url("vouchers")
    officer = VouchersApi(vouchers, tokens.header("voucher_officer", "vouchers"))
    applied = officer.apply(
        "kulturpeng",
        fresh_organisation_number(),
        f"Dansstudion {uuid.uuid4().hex[:6]}",
        ["dance"],
        contact_email="studio@example.se",
        description="Dance lessons.",
    )
    pelle = officer.approved(
        "kulturpeng",
        "5560360793",
        "Kulturskolan Pelle",
        ["music"],
        contact_email="pelle@example.se",
        description="Music lessons.",
        reason="Meets every criterion.",
    )
    other = officer.approved(
        "kulturpeng",
        fresh_organisation_number(),
        "Musikskolan",
        ["music"],
        contact_email="musik@example.se",
        description="Music lessons.",
        reason="Meets every criterion.",
    )
    care = officer.approved(
        "hemtjanst",
        fresh_organisation_number(),
        "Omsorgen",
        ["home_care"],
        contact_email="omsorg@example.se",
        description="Home care.",
        reason="Meets every criterion.",
    )
    voucher = officer.grant("kulturpeng", "music", "20120315-2002", "cilla@example.se", language="sv")
    VouchersApi(vouchers, tokens.header("citizen", "vouchers")).choose(voucher, pelle)
    return {"applied": applied, "pelle": pelle, "other": other, "care": care, "voucher": voucher}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_officer_s_forms_show_every_error_at_its_field(stack, browser, programmes, lang):  # noqa: F811
    vouchers = stack.url("vouchers")
    vera = sign_in(browser, f"{vouchers}/officer?lang={lang}", "vera.officer", lang)
    officer = f"{vouchers}/officer?lang={lang}"

    # a decision on the application, without a reason
    applied = programmes["applied"]
    vera.goto(officer)
    vera.select_option(by_id(f"decision-{applied}"), "approve")
    submit(vera, f"form[action^='/officer/providers/{applied}/decision']")
    errors_at(vera, lang, f"reason-{applied}")

    # the payment run for a month that does not exist
    vera.goto(officer)
    vera.fill("#month", "2026-13")
    submit(vera, "form[action^='/officer/payment-runs']")
    errors_at(vera, lang, "month", kept={"month": "2026-13"})

    # a quality result that is no number, for no period
    vera.goto(officer)
    vera.fill("#value-kulturpeng", "mycket bra")
    vera.fill("#period-kulturpeng", "")
    submit(vera, "form[action^='/officer/programmes/kulturpeng/quality']")
    errors_at(vera, lang, "value-kulturpeng", "period-kulturpeng", kept={"value-kulturpeng": "mycket bra"})

    # a default provider the programme does not have
    vera.goto(officer)
    choose_anything(vera, "default_provider-hemtjanst", "hemtjanst-0000000000")
    submit(vera, "form[action^='/officer/programmes/hemtjanst/default-provider']")
    errors_at(vera, lang, "default_provider-hemtjanst")
    vera.context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_citizen_s_choice_and_the_provider_s_report_errors(stack, browser, programmes, lang):  # noqa: F811
    vouchers, voucher = stack.url("vouchers"), programmes["voucher"]
    cilla = sign_in(browser, f"{vouchers}/my?lang={lang}", "cilla.citizen", lang)
    cilla.goto(f"{vouchers}/my?lang={lang}")
    cilla.select_option(by_id(f"provider-{voucher}"), programmes["other"])
    write(cilla, f"from-{voucher}", "2026-02-30")
    submit(cilla, f"form[action^='/my/vouchers/{voucher}/choice']")
    errors_at(cilla, lang, f"from-{voucher}", kept={f"from-{voucher}": "2026-02-30"})
    assert cilla.locator(by_id(f"provider-{voucher}")).input_value() == programmes["other"]
    cilla.context.close()

    # the provider's report: every error in the form's summary, linked, and at its field
    pelle = sign_in(browser, f"{vouchers}/provider?lang={lang}", "pelle.provider", lang)
    pelle.goto(f"{vouchers}/provider?lang={lang}")
    pelle.fill(by_id(f"units-{voucher}"), "-3")
    write(pelle, f"on-{voucher}", "2026-02-30")
    submit(pelle, f"form[action$='/vouchers/{voucher}/deliveries?lang={lang}']")
    units = pelle.locator(by_id(f"units-{voucher}"))
    assert units.get_attribute("aria-invalid") == "true" and units.input_value() == "-3"
    assert pelle.locator(by_id(f"on-{voucher}")).get_attribute("aria-invalid") == "true"
    summary = pelle.locator(f"form[action$='/vouchers/{voucher}/deliveries?lang={lang}'] .error-summary")
    links = [a.get_attribute("href") for a in summary.locator("a").all()]
    assert links == [f"#units-{voucher}", f"#on-{voucher}"], links
    assert pelle.locator("[role=alert]").count() == 1
    described = pelle.locator(by_id(units.get_attribute("aria-describedby") or "none"))
    assert described.is_visible() and described.inner_text()
    if lang == "sv":
        assert not any(word in described.inner_text() for word in ENGLISH)
    assert_accessible(pelle)
    pelle.context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_applicant_s_answer_and_survey_show_their_errors_at_the_field(stack, browser, tokens, lang):  # noqa: F811
    intake, desk = stack.url("intake"), stack.url("business_desk")
    inquiry = {
        "organisation_number": "556703-7485",
        "company": "Krogen vid Kajen AB",
        "contact_name": "Lina Berg",
        "email": f"lina-{uuid.uuid4().hex[:8]}@example.se",
        "phone": "070-765 43 21",
        "case_type": "alcohol_serving_licence",
        "description": "Vi vill servera vin.",
        "language": lang,
    }
    receipt = requests.post(f"{intake}/api/v1/inquiries", json=inquiry, timeout=10).json()
    sara = tokens.header("case_handler", "business_desk")
    case = wait_for(lambda: case_by_reference(stack, receipt["reference"], sara), 60, "the case")
    path = f"{desk}/api/v1/cases/{case['id']}"  # type: ignore[index]
    assert requests.post(f"{path}/claim", headers=sara, timeout=10).status_code == 200
    asked = requests.post(
        f"{path}/completion-request", json={"message": "Skicka ritningen."}, headers=sara, timeout=10
    )
    assert asked.status_code == 200, asked.text

    tab = browser.new_context(locale=LOCALES[lang]).new_page()
    tab.set_default_timeout(10_000)
    tracking = receipt["tracking_url"]
    tracking = tracking if tracking.startswith("http") else f"{intake}{tracking}"
    wait_for(
        lambda: tab.goto(f"{tracking}?lang={lang}") and tab.locator("#answer-form").count() == 1,
        30,
        "the answer form",
    )
    long_answer = "Ritningen bifogas. " * 300  # over 5 000 characters
    tab.fill("#answer", long_answer)
    submit(tab, "#answer-form")
    said = errors_at(tab, lang, "answer", kept={"answer": long_answer})
    assert re.search(r"5[\s\u00a0,]?000", said["answer"]), said

    closed = requests.post(f"{path}/close", json={"reason": "Återkallad."}, headers=sara, timeout=10)
    assert closed.status_code == 200, closed.text
    wait_for(
        lambda: tab.goto(f"{tracking}?lang={lang}") and tab.locator("#survey-form").count() == 1,
        30,
        "the survey",
    )
    tab.locator("input[name=overall][value='8']").check()
    submit(tab, "#survey-form")
    errors_at(tab, lang, groups=("expectations", "ideal"))
    assert tab.locator("input[name=overall][value='8']").is_checked()
    tab.context.close()
