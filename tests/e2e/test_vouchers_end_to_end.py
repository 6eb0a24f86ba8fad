"""Customer choice end to end across the real processes: the municipality approves
providers and grants a voucher, the citizen chooses and switches in Chromium, the
provider reports a delivery, notify emails each of them through Kafka, and anyone
reads the published comparison."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from stdnum import luhn

from devstack.vouchers_api import VouchersApi
from kernel.web import formats
from tests.e2e.accessibility import assert_accessible
from tests.e2e.browser import browser, page  # noqa: F401 - pytest fixtures
from tests.e2e.conftest import mails_to, wait_for
from tests.e2e.test_pages_in_a_browser import sign_in

pytestmark = pytest.mark.e2e


def apply_and_approve(vouchers: str, officer: dict, org: str, name: str, ownership: str, email: str) -> str:
    return VouchersApi(vouchers, officer).approved(
        "kulturpeng",
        org,
        name,
        ["music", "dance"],
        ownership=ownership,
        contact_email=email,
        description=f"{name} teaches music and dance to children.",
        reason="Meets every criterion.",
    )


def test_a_citizen_chooses_and_switches_providers_are_told_and_paid_per_delivery(
    stack,
    infra,
    tokens,
    browser,  # noqa: F811
):
    vouchers = stack.url("vouchers")
    officer = tokens.header("voucher_officer", "vouchers")
    run = uuid.uuid4().hex[:8]
    citizen_mail, pelle_mail, school_mail = (
        f"{who}-{run}@example.se" for who in ("cilla", "pelle", "school")
    )
    pelle = apply_and_approve(vouchers, officer, "5560360793", "Kulturskolan Pelle", "private", pelle_mail)
    school = apply_and_approve(
        vouchers, officer, "2120000142", "Kommunens kulturskola", "municipal", school_mail
    )

    voucher_id = VouchersApi(vouchers, officer).grant(
        "kulturpeng", "music", "20120315-2002", citizen_mail, language="en"
    )
    [grant_mail] = wait_for(lambda: mails_to(infra.mail_url, citizen_mail), 15, "grant email")
    assert grant_mail["subject"] == "You have been granted a Culture school voucher"
    assert f"{vouchers}/my" in grant_mail["body"]

    # The citizen signs in, sees the voucher's balance and chooses a provider.
    cilla = sign_in(browser, f"{vouchers}/my?lang=en", "cilla.citizen")
    card = cilla.locator(f"[data-voucher='{voucher_id}']")
    assert "32 / 32 lessons" in card.locator(".balance").inner_text()
    assert "not chosen" in card.locator(".provider").inner_text()
    assert_accessible(cilla)
    card.locator("select").select_option(pelle)
    card.locator("button[type=submit]").click()
    assert cilla.locator("[role=status]").inner_text() == "Your choice is saved."
    assert "Kulturskolan Pelle" in cilla.locator(f"[data-voucher='{voucher_id}'] .provider").inner_text()

    def told_of(address: str, subject: str) -> list[dict]:
        return [m for m in mails_to(infra.mail_url, address) if m["subject"].startswith(subject)]

    [approved] = wait_for(lambda: told_of(pelle_mail, "Er ansökan är godkänd"), 15, "the approval email")
    assert "Kulturskolan Pelle är godkänd som utförare inom Kulturpeng" in approved["body"]
    [new_choice] = wait_for(lambda: told_of(pelle_mail, "Ny brukare"), 15, "the provider's new-choice email")
    assert new_choice["subject"].startswith("Ny brukare") and voucher_id in new_choice["body"]

    # The provider reports a lesson (twice: once redeemed), and it shows on the citizen's page.
    provider = tokens.header("provider", "vouchers")
    today = datetime.now(UTC).date()
    lesson = {"report_id": f"lesson-{run}", "units": 1, "delivered_on": today.isoformat()}
    first = requests.post(
        f"{vouchers}/api/v1/vouchers/{voucher_id}/deliveries", json=lesson, headers=provider, timeout=10
    )
    again = requests.post(
        f"{vouchers}/api/v1/vouchers/{voucher_id}/deliveries", json=lesson, headers=provider, timeout=10
    )
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["amount_ore"] == 30550
    cilla.reload()
    assert "31 / 32 lessons" in cilla.locator(f"[data-voucher='{voucher_id}'] .balance").inner_text()

    # Switching from tomorrow: the citizen and the new provider are told.
    tomorrow = (today + timedelta(days=1)).isoformat()
    card = cilla.locator(f"[data-voucher='{voucher_id}']")
    card.locator("select").select_option(school)
    card.locator("input[type=date]").fill(tomorrow)
    card.locator("button[type=submit]").click()
    cilla.locator("[role=status]").wait_for()  # the page after the form or link has loaded
    assert cilla.locator("[role=status]").count() == 1
    history = cilla.locator(f"[data-voucher='{voucher_id}'] .history").inner_text()
    shown = formats.day(today + timedelta(days=1), "en")  # as the page's language writes the day
    assert f"Switch to Kommunens kulturskola (from {shown})" in history
    wait_for(lambda: len(mails_to(infra.mail_url, citizen_mail)) == 2, 15, "the switch email")
    assert mails_to(infra.mail_url, citizen_mail)[1]["subject"] == "Your switch of provider is registered"
    wait_for(lambda: told_of(school_mail, "Ny brukare"), 15, "the new provider's email")
    [left] = wait_for(lambda: told_of(pelle_mail, "En brukare byter"), 15, "the email of the one left")
    assert f"från och med {formats.day(today + timedelta(days=1), 'sv')}" in left["body"]
    assert voucher_id not in left["body"]
    # The voucher's whole history, newest first, on a page of its own.
    cilla.goto(f"{vouchers}/my/vouchers/{voucher_id}/history?lang=en")
    whole = cilla.locator("main").inner_text()
    assert f"Switch to Kommunens kulturskola (from {shown})" in whole
    assert whole.index("Switch to Kommunens kulturskola") < whole.index("Kulturskolan Pelle")
    assert_accessible(cilla)
    cilla.context.close()

    # Published results, as JSON and as a page anyone can read.
    comparison = requests.get(f"{vouchers}/api/v1/programmes/kulturpeng/comparison", timeout=10).json()
    rows = {row["provider_id"]: row for row in comparison["providers"]}
    # the switch is for tomorrow: until then Pelle holds the voucher, no one has switched yet
    assert rows[pelle]["delivered_units"] == 1 and rows[pelle]["switched_out"] == 0
    assert rows[pelle]["choosers_now"] == 1 and rows[pelle]["delivered_share"] == round(1 / 32, 3)
    assert rows[school]["switched_in"] == 0 and comparison["by_ownership"] == {
        "private": [pelle],
        "municipal": [school],
    }


def test_a_citizen_cancels_a_coming_switch_and_the_providers_are_told(
    stack,
    infra,
    tokens,
    browser,  # noqa: F811
):
    vouchers = stack.url("vouchers")
    officer = tokens.header("voucher_officer", "vouchers")
    run = uuid.uuid4().hex[:8]
    citizen_mail, staying_mail, coming_mail = (f"{who}-{run}@example.se" for who in ("cilla", "stay", "come"))
    staying_name, coming_name = f"Musikhuset {run}", f"Dansskolan {run}"
    staying = apply_and_approve(
        vouchers, officer, fresh_organisation_number(), staying_name, "private", staying_mail
    )
    coming = apply_and_approve(
        vouchers, officer, fresh_organisation_number(), coming_name, "non_profit", coming_mail
    )
    [approval] = wait_for(lambda: mails_to(infra.mail_url, coming_mail), 30, "the approval email")
    assert approval["subject"].startswith("Er ansökan är godkänd") and coming_name in approval["body"]

    voucher_id = VouchersApi(vouchers, officer).grant(
        "kulturpeng", "music", "20120315-2002", citizen_mail, language="sv"
    )
    citizen = tokens.header("citizen", "vouchers")
    VouchersApi(vouchers, citizen).choose(voucher_id, staying)
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    switch = {"provider_id": coming, "effective_from": tomorrow.isoformat()}
    requests.post(
        f"{vouchers}/api/v1/vouchers/{voucher_id}/choice", json=switch, headers=citizen, timeout=10
    ).raise_for_status()

    def told_of(address: str, subject: str) -> list[dict]:
        return [m for m in mails_to(infra.mail_url, address) if m["subject"].startswith(subject)]

    [left] = wait_for(lambda: told_of(staying_mail, "En brukare byter"), 30, "the leaving citizen's email")
    assert f"från och med {formats.day(tomorrow, 'sv')}" in left["body"]
    assert voucher_id not in left["body"] and "20120315" not in left["body"]

    # The citizen sees the coming switch on their page and takes it back.
    cilla = sign_in(browser, f"{vouchers}/my?lang=sv", "cilla.citizen")
    card = cilla.locator(f"[data-voucher='{voucher_id}']")
    shown = formats.day(tomorrow, "sv")
    assert card.locator(".coming-switch").inner_text() == f"Från {shown}: {coming_name}."
    assert_accessible(cilla)
    stale = cilla.context.new_page()  # the same page in a second tab, for a second cancel later
    stale.goto(f"{vouchers}/my?lang=en")
    card.locator("form.cancel-switch button[type=submit]").click()
    cilla.locator("[role=status]").wait_for()
    told = f"Bytet till {coming_name} från {shown} är ångrat. Du är kvar hos {staying_name}."
    assert cilla.locator("[role=status]").inner_text() == told
    card = cilla.locator(f"[data-voucher='{voucher_id}']")
    assert card.locator(".coming-switch").count() == 0 and card.locator("form.cancel-switch").count() == 0
    assert f"Ångrat byte till {coming_name}" in card.locator(".history").inner_text()
    assert staying_name in card.locator(".provider").inner_text()
    assert_accessible(cilla)
    # The second cancel, from the tab still showing the switch: told so, nothing changes.
    stale.locator(f"[data-voucher='{voucher_id}'] form.cancel-switch button[type=submit]").click()
    stale.locator("[role=alert]").wait_for()
    assert stale.locator("[role=alert]").inner_text() == (
        "The switch was cancelled already. You stay with your current provider."
    )
    assert stale.locator(f"[data-voucher='{voucher_id}'] .coming-switch").count() == 0
    assert_accessible(stale)
    cilla.context.close()

    wait_for(lambda: told_of(citizen_mail, "Ditt byte av utförare är ångrat"), 30, "the confirmation")
    [off] = wait_for(lambda: told_of(coming_mail, "Ett byte till er är ångrat"), 30, "the switch is off")
    assert voucher_id not in off["body"]
    voucher = requests.get(f"{vouchers}/api/v1/vouchers/{voucher_id}", headers=officer, timeout=10).json()
    assert [(t["provider_id"], t["until"]) for t in voucher["tenures"]] == [(staying, None)]


def test_anyone_compares_providers_side_by_side_and_reads_a_profile(stack, tokens, page, tmp_path):  # noqa: F811
    vouchers = stack.url("vouchers")
    officer = tokens.header("voucher_officer", "vouchers")
    music = apply_and_approve(
        vouchers, officer, "8020006147", "Musikföreningen Ton", "non_profit", "ton@example.se"
    )
    requests.post(
        f"{vouchers}/api/v1/providers/{music}/quality",
        json={"measure": "satisfaction", "value": 4.7, "period": "2026"},
        headers=officer,
        timeout=10,
    ).raise_for_status()
    page.goto(f"{vouchers}/")
    assert page.locator("h1").inner_text() == "Valfrihetssystem"
    assert_accessible(page)
    page.click("a[href^='/programmes/kulturpeng']")
    assert page.locator("h1").inner_text() == "Kulturpeng: Jämför utförare"
    row = page.locator(f"tr[data-provider='{music}']")
    assert "Idéburen" in row.inner_text() and "4,7 (2026)" in row.inner_text()  # a Swedish decimal comma
    assert_accessible(page)
    page.click("a[hreflang=en]")
    assert page.locator("h1").inner_text() == "Culture school voucher: Compare providers"
    assert "Non-profit" in page.locator(f"tr[data-provider='{music}']").inner_text()
    shot = tmp_path / "comparison.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.click(f"tr[data-provider='{music}'] a")
    assert page.locator("h1").inner_text() == "Musikföreningen Ton"
    assert "teaches music" in page.locator("main").inner_text()
    assert_accessible(page)
    assert "ton@example.se" not in page.content()  # the contact is not published


def fresh_organisation_number() -> str:
    digits = f"55{random.randrange(10**7):07d}"
    return digits + luhn.calc_check_digit(digits)


def citizens_vouchers(officer, vouchers: str) -> set[str]:
    """The vouchers of cilla.citizen, as the officer finds them by her personnummer."""
    officer.goto(f"{vouchers}/officer/vouchers?lang=en")
    officer.locator("#personnummer").fill("20120315-2002")
    officer.locator("#search button[type=submit]").click()
    return {row.get_attribute("data-voucher") for row in officer.locator("#search tr[data-voucher]").all()}


def pelles_provider(vouchers: str, officer: dict) -> str:
    """pelle.provider's organisation on kulturpeng, approved (applied for by an earlier test or now)."""
    known = requests.get(f"{vouchers}/api/v1/providers/kulturpeng-5560360793", headers=officer, timeout=10)
    if known.status_code == 200:
        assert known.json()["status"] == "approved"
        return known.json()["provider_id"]
    return apply_and_approve(
        vouchers, officer, "5560360793", "Kulturskolan Pelle", "private", "pelle@kulturskolan.example.se"
    )


def test_the_officer_decides_and_grants_and_the_provider_reports_on_their_pages(stack, tokens, browser):  # noqa: F811
    vouchers = stack.url("vouchers")
    officer_token = tokens.header("voucher_officer", "vouchers")
    name = f"Dansstudion {uuid.uuid4().hex[:6]}"
    studio = VouchersApi(vouchers, officer_token).apply(
        "kulturpeng",
        fresh_organisation_number(),
        name,
        ["dance"],
        contact_email="studio@example.se",
        description="Dance lessons for children.",
    )

    # The officer approves the application on the page.
    vera = sign_in(browser, f"{vouchers}/officer?lang=en", "vera.officer")
    row = vera.locator(f"tr[data-provider='{studio}']")
    assert "Applied" in row.locator(".status").inner_text()
    assert_accessible(vera)
    row.locator("select[name=decision]").select_option("approve")
    row.locator("input[name=reason]").fill("Meets every criterion of the programme.")
    row.locator("button[type=submit]").click()
    assert vera.locator("[role=status]").inner_text() == "The decision is saved."
    assert "Approved" in vera.locator(f"tr[data-provider='{studio}'] .status").inner_text()

    # Every error at once, at its field and in the summary at the top of the form (its
    # links lead to the fields), in the page's language, what was typed kept; the right
    # personnummer grants the voucher.
    before = citizens_vouchers(vera, vouchers)
    vera.goto(f"{vouchers}/officer?lang=en")
    grant = vera.locator("#grant")
    grant.locator("select[name=programme_category]").select_option("kulturpeng/music")
    grant.locator("input[name=personnummer]").fill("20120315-2003")
    grant.locator("input[name=units_per_period]").fill("5")
    grant.locator("select[name=language]").select_option("en")
    grant.locator("button[type=submit]").click()
    summary = vera.locator("#grant .error-summary")
    assert summary.is_visible()
    links = [a.get_attribute("href") for a in summary.locator("a").all()]
    assert links == ["#personnummer", "#email", "#units_per_period"], links
    assert "Not a valid personnummer" in vera.locator("#personnummer-error").inner_text()
    assert vera.locator("#email-error").inner_text() == "Fill in this field."
    assert "always grants 32 units" in vera.locator("#units_per_period-error").inner_text()
    assert vera.locator("#personnummer").get_attribute("aria-invalid") == "true"
    assert vera.locator("#personnummer").input_value() == "20120315-2003"
    assert_accessible(vera)
    summary.locator("a[href='#email']").click()
    assert vera.evaluate("document.activeElement.id") in ("email", "error-summary")
    vera.locator("#personnummer").fill("20120315-2002")
    vera.locator("#email").fill(f"cilla-{uuid.uuid4().hex[:6]}@example.se")
    vera.locator("#units_per_period").fill("")
    vera.locator("#grant button[type=submit]").click()
    notice = vera.locator("[role=status]").inner_text()
    assert notice == "The voucher is granted (Culture school voucher)."
    [voucher_id] = citizens_vouchers(vera, vouchers) - before

    # The officer's pages fit a phone: only a table's own box scrolls sideways.
    vera.set_viewport_size({"width": 375, "height": 800})
    for path in ("/officer", "/officer/vouchers", "/officer/applications"):
        vera.goto(f"{vouchers}{path}?lang=sv")
        assert vera.evaluate("document.documentElement.scrollWidth") <= 375, path
    vera.context.close()

    # The citizen chooses pelle's school; pelle reports a lesson on the provider page.
    pelle_id = pelles_provider(vouchers, officer_token)
    VouchersApi(vouchers, tokens.header("citizen", "vouchers")).choose(voucher_id, pelle_id)
    pelle = sign_in(browser, f"{vouchers}/provider?lang=en", "pelle.provider")
    card = pelle.locator(f"[data-voucher='{voucher_id}']")
    assert "32 / 32 lessons" in card.locator(".balance").inner_text()
    assert_accessible(pelle)
    card.locator("button[type=submit]").click()
    assert pelle.locator("[role=status]").inner_text().startswith("Reported: 1")
    assert "31 / 32 lessons" in pelle.locator(f"[data-voucher='{voucher_id}'] .balance").inner_text()
    pelle.context.close()


def test_a_provider_applies_to_another_programme_from_its_page(stack, browser):  # noqa: F811
    """Every error at once at its field and in the summary, in Swedish, what was typed kept;
    once corrected, the application is sent and shown as pending, with no second form."""
    vouchers = stack.url("vouchers")
    pelle = sign_in(browser, f"{vouchers}/provider?lang=sv", "pelle.provider")
    opening = pelle.locator("#apply [data-programme]:has(form)").first
    programme = opening.get_attribute("data-programme")
    form = pelle.locator(f"#apply-{programme} form")
    form.locator("input[name=name]").fill("Pelles kurser")
    form.locator("input[name=contact_email]").fill("inte-en-adress")
    form.locator("textarea[name=description]").fill("Kort")
    form.locator("button[type=submit]").click()

    summary = pelle.locator(f"#apply-{programme} .error-summary")
    assert summary.is_visible()
    links = [a.get_attribute("href") for a in summary.locator("a").all()]
    expected = ["ownership", "categories", "contact_email", "description"]
    assert links == [f"#{field}-{programme}" for field in expected], links
    assert pelle.locator(f"#ownership-{programme}-error").inner_text() == "Fyll i fältet."
    assert "inriktning" in pelle.locator(f"#categories-{programme}-error").inner_text()
    assert pelle.locator(f"#ownership-{programme}").get_attribute("aria-invalid") == "true"
    assert pelle.locator(f"#name-{programme}").input_value() == "Pelles kurser"  # kept
    assert pelle.locator(f"#contact_email-{programme}").input_value() == "inte-en-adress"
    assert "Missing data" not in pelle.locator("main").inner_text()
    assert_accessible(pelle)

    form = pelle.locator(f"#apply-{programme} form")
    form.locator("select[name=ownership]").select_option("private")
    form.locator("input[name=categories]").first.check()
    form.locator("input[name=contact_email]").fill(f"pelle-{uuid.uuid4().hex[:6]}@example.se")
    form.locator("textarea[name=description]").fill("Kurser för kommunens invånare, hela året.")
    form.locator("button[type=submit]").click()
    assert pelle.locator("[role=status]").inner_text().startswith("Ansökan till ")
    card = pelle.locator(f"#apply-{programme}")
    assert "Ansökan väntar på beslut" in card.inner_text()
    assert card.locator("form").count() == 0  # no second apply button
    assert_accessible(pelle)
    pelle.context.close()


def test_the_grant_form_offers_the_deployments_email_languages_and_refuses_another(stack, browser):  # noqa: F811
    """A Swedish deployment's grant form offers Swedish and English emails, named in the
    page's language; a language it does not offer (Danish, sent by a tampered form) is
    refused at its field and in the summary, in the page's language, what was typed kept."""
    vouchers = stack.url("vouchers")
    vera = sign_in(browser, f"{vouchers}/officer?lang=en", "vera.officer")
    select = vera.locator("#grant select[name=language]")
    assert [o.inner_text() for o in select.locator("option").all()] == ["Swedish", "English"]
    vera.locator("#grant select[name=programme_category]").select_option("kulturpeng/music")
    vera.locator("#personnummer").fill("20120315-2002")
    vera.locator("#email").fill("cilla@example.se")
    select.evaluate("s => { s.add(new Option('Dansk', 'da')); s.value = 'da'; }")
    vera.locator("#grant button[type=submit]").click()
    summary = vera.locator("#grant .error-summary")
    assert summary.is_visible()
    assert [a.get_attribute("href") for a in summary.locator("a").all()] == ["#language"]
    assert vera.locator("#language-error").inner_text() == "Choose one of the options."
    assert vera.locator("#language").get_attribute("aria-invalid") == "true"
    assert vera.locator("#email").input_value() == "cilla@example.se"
    vera.goto(f"{vouchers}/officer?lang=sv")
    options = vera.locator("#grant select[name=language] option").all()
    assert [o.inner_text() for o in options] == ["Svenska", "Engelska"]
