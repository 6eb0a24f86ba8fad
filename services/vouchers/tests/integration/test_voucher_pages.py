"""The vouchers service's pages on the real store: the citizen's, the officer's and the
provider's work."""

from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import (
    CITIZEN_PERSONNUMMER,
    KULTURSKOLAN_APPLICATION,
    csrf_token,
)

pytestmark = pytest.mark.integration


def test_the_citizen_sees_and_switches_on_their_own_page(
    app, signed_in, page_client, clock, approved_provider, granted_voucher
):
    first = approved_provider()
    again = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION
    )
    assert again.status_code == 409  # one application per organisation and programme
    officer = signed_in(app, "voucher_officer")
    other = officer.post(
        "/api/v1/programmes/kulturpeng/applications",
        json={
            **KULTURSKOLAN_APPLICATION,
            "name": "Föreningen Musik",
            "ownership": "non_profit",
            "organisation_number": "2120000142",
        },
    ).get_json()["provider_id"]
    officer.post(
        f"/api/v1/providers/{other}/decisions", json={"decision": "approve", "reason": "Meets the criteria."}
    )
    voucher_id = granted_voucher()

    browser = page_client(app, "citizen")
    page = browser.get("/my?lang=en").get_data(as_text=True)
    assert "32 / 32 lessons" in page and "You have not chosen a provider yet." in page
    chose = browser.post(
        f"/my/vouchers/{voucher_id}/choice?lang=en",
        data={"provider_id": first, "csrf_token": csrf_token(page)},
    )
    assert chose.status_code == 302
    page = browser.get("/my?lang=en").get_data(as_text=True)
    assert "Your choice is saved." in page and "Kulturskolan Pelle" in page
    switched = browser.post(
        f"/my/vouchers/{voucher_id}/choice?lang=en",
        data={"provider_id": other, "effective_from": "2026-11-01", "csrf_token": csrf_token(page)},
    )
    assert switched.status_code == 302
    voucher = officer.get(f"/api/v1/vouchers/{voucher_id}").get_json()
    assert [t["provider_id"] for t in voucher["tenures"]] == [first, other]
    assert voucher["tenures"][0]["until"] == "2026-10-31"
    page = browser.get("/my?lang=en").get_data(as_text=True)  # the coming change, and the comparison
    assert 'class="coming-switch">From 1 Nov 2026: ' in page
    assert 'href="/programmes/kulturpeng?lang=en"' in page


def test_the_citizen_cancels_their_coming_switch_on_their_page_and_a_second_cancel_changes_nothing(
    app, signed_in, page_client, clock, approved_provider, granted_voucher
):
    first = approved_provider()
    officer = signed_in(app, "voucher_officer")
    body = {**KULTURSKOLAN_APPLICATION, "name": "Föreningen Musik", "organisation_number": "2120000142"}
    other = officer.post("/api/v1/programmes/kulturpeng/applications", json=body).get_json()["provider_id"]
    officer.post(f"/api/v1/providers/{other}/decisions", json={"decision": "approve", "reason": "Meets it."})
    voucher_id = granted_voucher()
    citizen = signed_in(app, "citizen")
    chose = citizen.post(f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": first})
    assert chose.status_code == 200
    switched = citizen.post(
        f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": other, "effective_from": "2026-11-01"}
    )
    assert switched.status_code == 200

    refused = officer.delete(f"/api/v1/vouchers/{voucher_id}/choice/switch")
    assert refused.status_code == 403  # only the voucher's own citizen takes back their switch

    browser = page_client(app, "citizen")
    page = browser.get("/my?lang=sv").get_data(as_text=True)
    assert 'class="coming-switch">Från 1 nov. 2026: Föreningen Musik' in page
    assert 'action="/my/vouchers/' + voucher_id + '/switch/cancel?lang=sv"' in page and "Ångra bytet" in page
    token = csrf_token(page)
    cancelled = browser.post(f"/my/vouchers/{voucher_id}/switch/cancel?lang=sv", data={"csrf_token": token})
    assert cancelled.status_code == 302
    page = browser.get("/my?lang=sv").get_data(as_text=True)
    told = "Bytet till Föreningen Musik från 1 nov. 2026 är ångrat. Du är kvar hos Kulturskolan Pelle."
    assert told in page
    assert "coming-switch" not in page and "Ångra bytet</button>" not in page
    assert "Ångrat byte till Föreningen Musik (skulle ha gällt från 1 nov. 2026)" in page

    voucher = officer.get(f"/api/v1/vouchers/{voucher_id}").get_json()
    assert [(t["provider_id"], t["until"]) for t in voucher["tenures"]] == [(first, None)]
    assert voucher["history"][-1]["what"] == "switch_cancelled"

    # the double click: told so in the page's language, and nothing changes
    again = browser.post(f"/my/vouchers/{voucher_id}/switch/cancel?lang=en", data={"csrf_token": token})
    assert again.status_code == 409, again.headers.get("Location")  # told on the page itself
    page = again.get_data(as_text=True)
    assert f'id="cancel-error-{voucher_id}"' in page and "error=" not in page
    assert page.count('role="alert"') == 1  # said once, in the card; the choice form has no error
    assert "The switch was cancelled already. You stay with your current provider." in page
    answer = citizen.delete(f"/api/v1/vouchers/{voucher_id}/choice/switch")
    assert answer.status_code == 409 and "cancelled already" in answer.get_json()["message"]
    unchanged = officer.get(f"/api/v1/vouchers/{voucher_id}").get_json()
    assert unchanged["history_total"] == voucher["history_total"]

    # a switch whose day has come can no longer be cancelled
    citizen.post(
        f"/api/v1/vouchers/{voucher_id}/choice", json={"provider_id": other, "effective_from": "2026-10-10"}
    )
    clock.day = date(2026, 10, 10)
    late = citizen.delete(f"/api/v1/vouchers/{voucher_id}/choice/switch")
    assert late.status_code == 409 and "can no longer be cancelled" in late.get_json()["message"]
    figures = signed_in(app, "citizen").get("/api/v1/programmes/kulturpeng/comparison").get_json()
    counts = {r["provider_id"]: (r["switched_out"], r["switched_in"]) for r in figures["providers"]}
    assert counts == {first: (1, 0), other: (0, 1)}  # the switch done; the cancelled one counts nowhere


def form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, name
    return match.group(1)


def test_the_officer_and_the_provider_do_their_work_on_pages(app, signed_in, page_client, clock, deps):
    applied = signed_in(app, "provider").post(
        "/api/v1/programmes/kulturpeng/applications", json=KULTURSKOLAN_APPLICATION
    )
    provider_id = applied.get_json()["provider_id"]
    assert page_client(app, "citizen").get("/officer").status_code == 403

    officer = page_client(app, "voucher_officer")
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert "Kulturskolan Pelle" in page and "Applied" in page and "Budget 2026" in page
    too_short = officer.post(
        f"/officer/providers/{provider_id}/decision?lang=en",
        data={"decision": "approve", "reason": "ok", "csrf_token": csrf_token(page)},
    )
    assert too_short.status_code == 422
    assert f'id="reason-{provider_id}-error"' in too_short.get_data(as_text=True)
    approved = officer.post(
        f"/officer/providers/{provider_id}/decision?lang=en",
        data={"decision": "approve", "reason": "Meets every criterion.", "csrf_token": csrf_token(page)},
    )
    assert approved.status_code == 302
    assert deps.read.provider(provider_id)["status"] == "approved"
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert "The decision is saved." in page and '<option value="suspend">' in page

    grant = {
        "programme_category": "kulturpeng/music",
        "personnummer": "20120315-2003",  # wrong check digit
        "email": "cilla@hem.example.se",
        "language": "en",
        "csrf_token": csrf_token(page),
    }
    refused = officer.post("/officer/vouchers?lang=en", data=grant)
    said = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="personnummer-error"' in said
    assert 'value="cilla@hem.example.se"' in said  # what was typed is kept
    assert deps.read.vouchers_of_programme("kulturpeng") == []
    named = {**grant, "personnummer": CITIZEN_PERSONNUMMER, "name": "Cilla-Maj Citizen"}
    granted = officer.post("/officer/vouchers?lang=en", data=named)
    assert granted.status_code == 302
    [voucher] = deps.read.vouchers_of_programme("kulturpeng")
    assert voucher["category"] == "music" and voucher["language"] == "en"
    notice = officer.get("/officer?lang=en").get_data(as_text=True)
    assert "The voucher is granted (Culture school voucher)." in notice and voucher["_id"] not in notice
    chose = signed_in(app, "citizen").post(
        f"/api/v1/vouchers/{voucher['_id']}/choice", json={"provider_id": provider_id}
    )
    assert chose.status_code == 200

    # the provider reports a lesson; the same form sent twice counts once
    provider = page_client(app, "provider")
    page = provider.get("/provider?lang=en").get_data(as_text=True)
    assert f'data-voucher="{voucher["_id"]}"' in page and "32 / 32 lessons" in page
    assert f"<strong>{voucher['_id']}" not in page  # the card names the category and period, not the id
    assert '<strong class="holder">C.-M. C., ' in page and "Cilla" not in page  # initials only
    lesson = {
        "report_id": form_value(page, "report_id"),
        "units": "1",
        "delivered_on": "2026-10-05",
        "csrf_token": csrf_token(page),
    }
    url = f"/provider/{provider_id}/vouchers/{voucher['_id']}/deliveries?lang=en"
    assert provider.post(url, data=lesson).status_code == 302
    reported = provider.get("/provider?lang=en").get_data(as_text=True)
    assert "Reported: 1 lesson (5 Oct 2026), Music · C.-M. C., " in reported
    assert f"), {voucher['_id']}" not in reported and "Cilla" not in reported
    assert provider.post(url, data=lesson).status_code == 302
    page = provider.get("/provider?lang=en").get_data(as_text=True)
    assert "Already reported: 1" in page and "31 / 32 lessons" in page
    future = provider.post(url, data={**lesson, "report_id": "x-2", "delivered_on": "2027-01-10"})
    assert future.status_code == 422 and "field-error" in future.get_data(as_text=True)
    # too many units: said at the field in the page's language, what was typed kept, and the
    # form's report id kept (sending it again, once corrected, reports once)
    url_sv = url.replace("lang=en", "lang=sv")
    too_many = provider.post(url_sv, data={**lesson, "report_id": "x-3", "units": "40"})
    said = too_many.get_data(as_text=True)
    assert too_many.status_code == 422 and "Bara 31 lektioner finns kvar den här perioden." in said
    assert f'id="error-{voucher["_id"]}-units"' in said and 'aria-invalid="true"' in said
    assert form_value(said, "report_id") == "x-3" and 'value="40"' in said
    assert "only 31 units" not in said
    english = provider.post(url, data={**lesson, "report_id": "x-3", "units": "40"}).get_data(as_text=True)
    assert "Only 31 lessons are left in this period." in english
    bad = provider.post(url, data={**lesson, "report_id": "x-4", "units": "many", "delivered_on": "soon"})
    said = bad.get_data(as_text=True)
    assert bad.status_code == 422 and f'id="error-{voucher["_id"]}-units"' in said
    assert f'id="error-{voucher["_id"]}-delivered_on"' in said and 'value="many"' in said
    assert form_value(said, "report_id") == "x-4"
    for _ in range(2):  # corrected and sent, then Back and sent again: one delivery
        assert provider.post(url, data={**lesson, "report_id": "x-3", "units": "2"}).status_code == 302
    assert "29 / 32 lessons" in provider.get("/provider?lang=en").get_data(as_text=True)
    assert (
        provider.post(f"/provider/other/vouchers/{voucher['_id']}/deliveries", data=lesson).status_code == 404
    )

    # next month the officer runs October's payments; both see the payment
    clock.day = date(2026, 11, 2)
    page = officer.get("/officer?lang=en").get_data(as_text=True)
    assert form_value(page, "month") == "2026-10"
    paid = officer.post(
        "/officer/payment-runs?lang=en", data={"month": "2026-10", "csrf_token": csrf_token(page)}
    )
    assert paid.status_code == 302
    page = officer.get("/officer?month=2026-10&lang=en").get_data(as_text=True)
    assert "New payments: 1" in page and "SEK\xa0916.50" in page  # three lessons, in the page's language
    assert "SEK\xa0916.50" in provider.get("/provider?lang=en").get_data(as_text=True)
    assert "916,50\xa0kr" in provider.get("/provider?lang=sv").get_data(as_text=True)
    bad_month = officer.post(
        "/officer/payment-runs?lang=en", data={"month": "oct", "csrf_token": csrf_token(page)}
    )
    assert bad_month.status_code == 422 and 'id="month-error"' in bad_month.get_data(as_text=True)
