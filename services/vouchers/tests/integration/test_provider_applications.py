"""A provider applies to a programme from its own page: every error at once, at its field
and in the summary linking to it, in the page's language, with what was typed kept; sent
twice, one application; then the programme shows the application as pending, without a
second form."""

from __future__ import annotations

import html

import pytest

from conftest import PROVIDER_ORG, csrf_token

pytestmark = pytest.mark.integration

URL = "/provider/programmes/kulturpeng/applications"
GOOD = {
    "name": "Kulturskolan Pelle",
    "ownership": "private",
    "categories": ["music", "dance"],
    "contact_email": "pelle@kulturskolan.example.se",
    "description": "Music and dance lessons for children in the municipality.",
    "website": "",
}


def summary_of(said: str) -> str:
    start = said.index('class="error-summary"')
    return said[start : said.index("</ul>", start)]


def test_the_provider_page_offers_the_programmes_to_apply_to(app, page_client):
    page = page_client(app, "provider").get("/provider?lang=sv").get_data(as_text=True)
    assert 'id="apply-kulturpeng"' in page and f'action="{URL}?lang=sv"' in page
    assert 'id="apply-jobbpeng"' in page
    assert "556036-0793" in page  # the organisation number the Swedish way
    assert 'for="name-kulturpeng"' in page and 'id="categories-kulturpeng"' in page


@pytest.mark.parametrize(
    ("lang", "required", "heading", "categories"),
    [
        ("sv", "Fyll i fältet.", "Rätta det som är markerat.", "Välj minst en inriktning som programmet"),
        ("en", "Fill in this field.", None, "Choose at least one of the programme's categories."),
    ],
)
def test_an_empty_application_shows_every_error_at_once_in_the_pages_language(
    app, page_client, deps, lang, required, heading, categories
):
    provider = page_client(app, "provider")
    page = provider.get(f"/provider?lang={lang}").get_data(as_text=True)
    refused = provider.post(f"{URL}?lang={lang}", data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 422
    said = html.unescape(refused.get_data(as_text=True))
    summary = summary_of(said)
    for field in ("name", "ownership", "categories", "contact_email", "description"):
        assert f'href="#{field}-kulturpeng"' in summary, field
        assert f'id="{field}-kulturpeng-error"' in said, field
        assert f'aria-describedby="{field}-kulturpeng-error"' in said, field
    assert required in said and categories in said
    assert heading is None or heading in said
    assert "Missing data for required field." not in said and "Shorter than minimum length" not in said
    assert 'id="name-jobbpeng-error"' not in said  # only the form that was sent
    assert deps.read.providers_of_organisations([PROVIDER_ORG]) == []


def test_a_bad_application_keeps_what_was_typed(app, page_client, deps):
    provider = page_client(app, "provider")
    page = provider.get("/provider?lang=en").get_data(as_text=True)
    form = {
        **GOOD,
        "contact_email": "not-an-address",
        "description": "Short",
        "website": "nowhere",
        "categories": ["music"],
        "csrf_token": csrf_token(page),
    }
    refused = provider.post(f"{URL}?lang=en", data=form)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    for field in ("contact_email", "description", "website"):
        assert f'id="{field}-kulturpeng-error"' in said, field
    assert 'id="name-kulturpeng-error"' not in said
    assert 'value="Kulturskolan Pelle"' in said and 'value="not-an-address"' in said
    assert 'value="nowhere"' in said and ">Short</textarea>" in said
    assert '<option value="private" selected>' in said
    assert 'value="music" checked' in said and 'value="dance" checked' not in said
    assert "Not a valid email address." not in said  # said in the page's language
    assert deps.read.providers_of_organisations([PROVIDER_ORG]) == []


def test_sent_twice_one_application_shown_as_pending(app, page_client, deps):
    provider = page_client(app, "provider")
    page = provider.get("/provider?lang=sv").get_data(as_text=True)
    form = {**GOOD, "csrf_token": csrf_token(page)}
    for _ in range(2):  # sent, then Back and sent again
        sent = provider.post(f"{URL}?lang=sv", data=form)
        assert sent.status_code == 302 and sent.headers["Location"].endswith("#apply-kulturpeng")
    [applied] = deps.read.providers_of_organisations([PROVIDER_ORG])
    assert applied["programme"] == "kulturpeng" and applied["status"] == "applied"
    assert sorted(applied["categories"]) == ["dance", "music"]
    page = html.unescape(provider.get("/provider?lang=sv").get_data(as_text=True))
    assert "Ansökan till Kulturpeng är skickad. Den väntar på beslut." in page
    opening = page[page.index('id="apply-kulturpeng"') : page.index('id="apply-jobbpeng"')]
    assert "Ansökan väntar på beslut" in opening
    assert "<form" not in opening  # no second apply button
    assert 'id="apply-jobbpeng"' in page  # the other programmes may still be applied to


def test_an_approved_programme_is_not_offered_again(app, page_client, approved_provider):
    approved_provider()
    page = page_client(app, "provider").get("/provider?lang=en").get_data(as_text=True)
    assert 'id="apply-kulturpeng"' not in page and 'id="apply-jobbpeng"' in page
    assert "Organisation number: 556036-0793" in page


@pytest.mark.parametrize(
    ("lang", "named", "erased", "unnamed"),
    [
        ("sv", "A.-K. L., 1 jan. 2026 – 31 dec. 2026", "Raderad, 1 jan. 2026", "Giltig 1 jan. 2026"),
        ("en", "A.-K. L., 1 Jan 2026 – 31 Dec 2026", "Erased, 1 Jan 2026", "Valid 1 Jan 2026"),
    ],
)
def test_a_provider_sees_a_voucher_as_its_holders_initials_and_period(app, lang, named, erased, unnamed):
    from vouchers.web.work_pages import holder

    voucher = {"valid_from": "2026-01-01", "valid_until": "2026-12-31"}
    with app.test_request_context(f"/provider?lang={lang}"):
        assert holder({**voucher, "holder_initials": "A.-K. L."}) == named
        gone = {**voucher, "holder_initials": None, "personal_erased_on": "2029-01-02"}
        assert holder(gone).startswith(erased)
        assert holder(voucher).startswith(unnamed)
