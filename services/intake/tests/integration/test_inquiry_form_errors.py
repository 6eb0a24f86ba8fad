"""The inquiry form's error path: every error at once, in the form's order, in the page's
language, at its field and in the summary, what was typed kept; the organisation number's
label by the deployment's country and its 12-digit form."""

from __future__ import annotations

import re

import pytest

from conftest import csrf_token, kafe_solsidan_inquiry
from intake.domain.organisation import parse_organisation_number

pytestmark = pytest.mark.integration

INQUIRY = kafe_solsidan_inquiry()
EMPTY = {"organisation_number": "", "company": "", "contact_name": "", "email": "", "phone": ""}


def post_form(app, lang: str, **fields: str):
    client = app.test_client()
    form = client.get(f"/?lang={lang}").get_data(as_text=True)
    data = {**INQUIRY, "language": lang, "notify_by": "email", "csrf_token": csrf_token(form), **fields}
    return client.post("/", data=data)


def summary_links(html: str) -> list[str]:
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([a-z_]+)">', summary)


@pytest.mark.parametrize(
    ("lang", "required", "label"),
    [("sv", "Fyll i fältet.", "Organisationsnummer:"), ("en", "Fill in this field.", "Organisation number:")],
)
def test_every_empty_required_field_says_it_is_required_in_the_form_order(app, lang, required, label):
    refused = post_form(app, lang, **EMPTY, description="Tolv platser ute.")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert summary_links(html) == ["organisation_number", "company", "contact_name", "email", "phone"]
    for field in EMPTY:
        assert re.search(rf'id="{field}-error">\s*{re.escape(required)}', html), field
        assert f'id="{field}" name="{field}"' in html
    assert "för lång eller för kort" not in html and "too long or too short" not in html.lower()
    assert f"{label} {required}" in html
    assert "Tolv platser ute." in html  # what was typed is kept


@pytest.mark.parametrize(("lang", "heading"), [("sv", "Något behöver rättas"), ("en", "Please correct")])
def test_wrong_values_are_all_shown_at_their_fields_and_kept(app, lang, heading):
    refused = post_form(app, lang, organisation_number="556036-0794", phone="x", email="anna@")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and heading in html
    assert summary_links(html) == ["organisation_number", "email", "phone"]
    assert 'value="556036-0794"' in html and 'value="anna@"' in html and 'value="Kafé Solsidan AB"' in html
    assert 'aria-invalid="true" aria-describedby="phone-error"' in html


def test_a_swedish_deployment_asks_for_an_organisationsnummer(app):
    html = app.test_client().get("/?lang=sv").get_data(as_text=True)
    assert '<label for="organisation_number">Organisationsnummer</label>' in html
    assert "CVR" not in html.split('for="organisation_number"', 1)[1].split("</label>", 1)[0]


@pytest.mark.parametrize("written", ["16556036-0793", "165560360793", "5560360793", "556036-0793"])
def test_an_organisation_number_is_accepted_in_its_12_digit_form_and_stored_in_its_10_digit_form(written):
    assert parse_organisation_number(written) == ("SE", "556036-0793")


def test_the_form_accepts_the_12_digit_form(app):
    accepted = post_form(app, "sv", organisation_number="16556036-0793")
    assert accepted.status_code == 201


def test_a_12_digit_number_of_another_century_is_not_an_organisation_number():
    with pytest.raises(ValueError):
        parse_organisation_number("195560360793")
