"""The voucher officer's forms when they are refused: every error at once, at its field
and in the summary linking to it, in the page's language, with what was typed kept."""

from __future__ import annotations

import html
import re

import pytest

from conftest import CITIZEN_PERSONNUMMER, KULTURSKOLAN_APPLICATION, csrf_token

pytestmark = pytest.mark.integration

ADULT = "19121212-1212"  # a valid personnummer, far too old for kulturpeng


def refused_grant(officer, lang: str) -> str:
    page = officer.get(f"/officer?lang={lang}").get_data(as_text=True)
    form = {
        "programme_category": "kulturpeng/music",
        "personnummer": ADULT,
        "name": "Anna-Karin Lind",
        "email": "",
        "language": "en",
        "units_per_period": "5",
        "csrf_token": csrf_token(page),
    }
    refused = officer.post(f"/officer/vouchers?lang={lang}", data=form)
    assert refused.status_code == 422
    return html.unescape(refused.get_data(as_text=True))


@pytest.mark.parametrize(
    ("lang", "ages", "required", "units"),
    [
        ("sv", "kulturpeng är för åldrarna 6–19.", "Fyll i fältet.", "Kategorin ger alltid 32 enheter"),
        ("en", "kulturpeng is for ages 6-19.", "Fill in this field.", "The category always grants 32 units"),
    ],
)
def test_the_grant_form_shows_every_error_at_once_in_the_pages_language(
    app, page_client, deps, lang, ages, required, units
):
    said = refused_grant(page_client(app, "voucher_officer"), lang)
    summary = said[
        said.index('class="error-summary"') : said.index("</ul>", said.index('class="error-summary"'))
    ]
    for field in ("personnummer", "email", "units_per_period"):
        assert f'href="#{field}"' in summary
        assert f'id="{field}-error"' in said and f'aria-describedby="{field}-error"' in said
    assert ages in said and required in said and units in said
    assert "Missing data for required field." not in said and "is for ages 6-19" not in summary.replace(
        ages, ""
    )
    assert f'value="{ADULT}"' in said and 'value="5"' in said  # what was typed is kept
    assert 'value="Anna-Karin Lind"' in said and 'id="name-error"' not in said
    assert '<option value="kulturpeng/music" selected>' in said
    assert deps.read.vouchers_of_programme("kulturpeng") == []


def test_a_wrong_personnummer_and_a_bad_email_are_both_told(app, page_client):
    officer = page_client(app, "voucher_officer")
    page = officer.get("/officer?lang=sv").get_data(as_text=True)
    form = {
        "programme_category": "kulturpeng/music",
        "personnummer": "20120315-2003",
        "email": "not-an-address",
        "valid_from": "someday",
        "csrf_token": csrf_token(page),
    }
    said = html.unescape(officer.post("/officer/vouchers?lang=sv", data=form).get_data(as_text=True))
    assert "Det är inte ett giltigt personnummer" in said
    assert 'id="email-error"' in said and 'id="valid_from-error"' in said
    assert 'value="not-an-address"' in said and 'value="someday"' in said


@pytest.mark.parametrize(
    ("lang", "heading", "month_error"),
    [
        ("sv", "Rätta det som är markerat.", "Ange en månad som 2026-10."),
        ("en", None, "A month like 2026-10."),
    ],
)
def test_the_payment_run_and_the_decision_forms_say_so_in_the_pages_language(
    app, signed_in, page_client, lang, heading, month_error
):
    provider_id = (
        signed_in(app, "provider")
        .post("/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION)
        .get_json()["provider_id"]
    )
    officer = page_client(app, "voucher_officer")
    page = officer.get(f"/officer?lang={lang}").get_data(as_text=True)
    bad = officer.post(
        f"/officer/payment-runs?lang={lang}", data={"month": "oct", "csrf_token": csrf_token(page)}
    )
    said = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422 and month_error in said and 'href="#month"' in said
    assert 'value="oct"' in said
    if heading:
        assert heading in said

    short = officer.post(
        f"/officer/providers/{provider_id}/decision?lang={lang}",
        data={"decision": "reject", "reason": "no", "csrf_token": csrf_token(page)},
    )
    said = html.unescape(short.get_data(as_text=True))
    assert short.status_code == 422 and f'href="#reason-{provider_id}"' in said
    assert f'id="reason-{provider_id}-error"' in said and 'value="no"' in said
    assert '<option value="reject" selected>' in said
    assert "Shorter than minimum" not in said and "Length must be" not in said


def test_the_officer_lists_searches_and_sees_the_waiting_applications(
    app, signed_in, page_client, granted_voucher
):
    voucher_id = granted_voucher()
    applied = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION
    )
    provider_id = applied.get_json()["provider_id"]
    officer = page_client(app, "voucher_officer")
    assert page_client(app, "citizen").get("/officer/vouchers").status_code == 403

    listed = officer.get("/officer/vouchers?lang=en&programme=kulturpeng&status=without_provider")
    said = listed.get_data(as_text=True)
    assert listed.status_code == 200 and f'data-voucher="{voucher_id}"' in said and "None chosen" in said
    ended = officer.get("/officer/vouchers?lang=sv&status=ended").get_data(as_text=True)
    assert voucher_id not in ended and "Inga checkar att visa." in ended
    assert officer.get("/officer/vouchers?cursor=forged").status_code == 422

    page = officer.get("/officer/vouchers?lang=sv").get_data(as_text=True)
    search = {"personnummer": CITIZEN_PERSONNUMMER, "csrf_token": csrf_token(page)}
    found = officer.post("/officer/vouchers/search?lang=sv", data=search).get_data(as_text=True)
    assert "Hittade checkar: 1" in found and f'data-voucher="{voucher_id}"' in found
    wrong = officer.post("/officer/vouchers/search?lang=en", data={**search, "personnummer": "2012"})
    said = html.unescape(wrong.get_data(as_text=True))
    assert wrong.status_code == 422 and 'href="#personnummer"' in said and 'value="2012"' in said
    assert "Not a valid personnummer (yyyymmdd-nnnn)." in said

    waiting = officer.get("/officer/applications?lang=en").get_data(as_text=True)
    assert f'data-provider="{provider_id}"' in waiting and "Kulturskolan Pelle" in waiting
    assert re.search(r"\d{6}-\d{4}", waiting)  # the organisation number with its hyphen
    # what the provider wrote, to decide on: its description of the service
    assert "Music and dance lessons for children in the municipality." in waiting


@pytest.mark.parametrize(
    ("lang", "range_error", "period_error"),
    [
        ("sv", "Måttet anges från 1 till 5.", "Ange ett år (2026), halvår (2026-H1)"),
        ("en", "The measure goes from 1 to 5.", "A year (2026), half (2026-H1)"),
    ],
)
def test_the_quality_form_says_what_is_wrong_and_records_a_result(
    app, page_client, deps, approved_provider, lang, range_error, period_error
):
    provider_id = approved_provider()
    officer = page_client(app, "voucher_officer")
    page = officer.get(f"/officer?lang={lang}").get_data(as_text=True)
    url = f"/officer/programmes/kulturpeng/quality?lang={lang}"
    form = {"provider_id": provider_id, "measure": "satisfaction", "value": "", "period": "last year"}
    bad = officer.post(url, data={**form, "csrf_token": csrf_token(page)})
    said = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert 'href="#value-kulturpeng"' in said and 'href="#period-kulturpeng"' in said  # both at once
    assert period_error in said and 'value="last year"' in said
    out_of_range = officer.post(
        url, data={**form, "value": "7", "period": "2026", "csrf_token": csrf_token(page)}
    )
    said = html.unescape(out_of_range.get_data(as_text=True))
    assert out_of_range.status_code == 422 and range_error in said and 'value="7"' in said
    saved = officer.post(url, data={**form, "value": "4,5", "period": "2026", "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    assert deps.read.provider(provider_id)["quality"]["satisfaction"]["value"] == 4.5


def test_the_default_provider_form_refuses_one_not_approved_in_the_pages_language(app, page_client):
    officer = page_client(app, "voucher_officer")
    page = officer.get("/officer?lang=sv").get_data(as_text=True)
    refused = officer.post(
        "/officer/programmes/hemtjanst/default-provider?lang=sv",
        data={"provider_id": "nobody", "csrf_token": csrf_token(page)},
    )
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "Bara en godkänd leverantör i programmet kan vara ickevalsalternativ." in said
    assert "only an approved provider" not in said


@pytest.mark.parametrize(
    ("lang", "names", "message"),
    [("sv", ("Svenska", "Engelska"), "Välj ett av alternativen."), ("en", ("Swedish", "English"), None)],
)
def test_a_swedish_deployment_offers_swedish_and_english_emails_and_refuses_danish(
    app, page_client, deps, lang, names, message
):
    officer = page_client(app, "voucher_officer")
    page = officer.get(f"/officer?lang={lang}").get_data(as_text=True)
    select = page[page.index('<select id="language"') : page.index("</select>", page.index('id="language"'))]
    assert (
        f'<option value="sv">{names[0]}</option>' in select
        and f'<option value="en">{names[1]}</option>' in select
    )
    assert 'value="da"' not in select
    form = {
        "programme_category": "kulturpeng/music",
        "personnummer": CITIZEN_PERSONNUMMER,
        "email": "k@example.se",
        "language": "da",
        "csrf_token": csrf_token(page),
    }
    refused = officer.post(f"/officer/vouchers?lang={lang}", data=form)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and 'href="#language"' in said and 'id="language-error"' in said
    assert (message or "Choose one of the options.") in said and "Must be one of" not in said
    assert 'value="k@example.se"' in said
    assert deps.read.vouchers_of_programme("kulturpeng") == []
