"""A Danish deployment (country DK in its case-type configuration, CASE_TYPES_FILE): every
vouchers page, as each role sees it, in Danish (the browser's Accept-Language or ?lang=da),
with no Swedish word left on it, its language switch offering English (not Swedish), and
its money in Danish kroner as Danish writes it. A citizen is known by a CPR number, a
provider by a CVR number: a Swedish personnummer is refused, at the field, in Danish."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from conftest import CITIZEN_PERSONNUMMER, VOUCHER_OFFICER_VERA, csrf_token
from kernel.domain.actors import Actor
from kernel.platform.settings import REPO_ROOT
from vouchers import handlers
from vouchers.bootstrap import bootstrap
from vouchers.domain.vouchers import GrantVoucher

pytestmark = pytest.mark.integration

# words only a Swedish page has (the Danish one says kommune, leverandør, CPR-nummer, sag ...)
SWEDISH = re.compile(
    r"\b(kommunens ickevalsalternativ|leverantör\w*|utförare\w*|personnummer|ärende\w*|checkar|"
    r"organisationsnummer|valfrihetssystem\w*|beviljad|välj|kvar|händelser|logga ut|giltig|"
    r"inlöst|utbetal\w*|handläggning|ansökningar)\b",
    re.IGNORECASE,
)


CPR = "150312-4002"  # a child's CPR number (born 15 March 2012: the seventh digit 4 says 20xx)


@pytest.fixture
def deps(settings_for, clock, monkeypatch):
    monkeypatch.setenv("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.dk.yaml"))
    return bootstrap(settings_for("vouchers"), clock=clock)


def visible(page: str, *names: str) -> str:
    """The page's text as a reader sees it (no markup, no style), without the given names."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")
    for name in names:
        text = text.replace(name, " ")
    return text


def assert_danish(page: str, *names: str) -> str:
    assert '<html lang="da">' in page
    assert 'hreflang="en" lang="en">English<' in page  # the switch: the deployment's other language
    assert 'hreflang="sv"' not in page and 'hreflang="da"' not in page
    text = visible(page, *names)
    assert not SWEDISH.findall(text), SWEDISH.findall(text)
    assert not re.findall(r"\w*[äöÄÖ]\w*", text), re.findall(r"\w*[äöÄÖ]\w*", text)
    return text


def test_every_page_of_a_danish_deployment_reads_danish(app, deps, page_client, approved_provider):
    provider_id = approved_provider()
    # the demo citizen signs in with the number the grant holds (the dev provider's is Swedish)
    cilla = GrantVoucher("kulturpeng", "music", CITIZEN_PERSONNUMMER.replace("-", ""), date(2012, 3, 15),
                         "cilla@hjem.example.dk", "en")  # fmt: skip
    voucher_id = handlers.grant_voucher(deps, cilla, Actor(*VOUCHER_OFFICER_VERA))
    citizen = page_client(app, "citizen", "da")
    page = citizen.get("/my").get_data(as_text=True)
    names = ("Vera Valfrihetshandläggare", "Pelle Utförare")  # the demo users, signed in

    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "da"
    text = assert_danish(anonymous.get("/").get_data(as_text=True))
    assert "Frit valg" in text and "Kulturskolebevis" in text and "9.776,00 kr." in text
    assert "Hjemmehjælp" in text and "426,00 kr. pr. time" in text
    text = assert_danish(anonymous.get("/programmes/kulturpeng").get_data(as_text=True))
    assert "Sammenlign leverandører" in text
    assert_danish(anonymous.get(f"/providers/{provider_id}").get_data(as_text=True))
    swedish = anonymous.get("/?lang=sv").get_data(as_text=True)  # not offered: the national language
    assert '<html lang="da">' in swedish

    text = assert_danish(page, *names)
    assert "Mine fritvalgsbeviser" in text and "Du har ikke valgt leverandør endnu." in text
    assert "Log ud" in text
    assert_danish(citizen.get(f"/my/vouchers/{voucher_id}/history").get_data(as_text=True), *names)

    officer = page_client(app, "voucher_officer", "da")
    for path in ("/officer", "/officer/vouchers", "/officer/applications"):
        text = assert_danish(officer.get(path).get_data(as_text=True), *names)
    text = assert_danish(officer.get("/officer").get_data(as_text=True), *names)
    assert "CPR-nummer" in text and "CVR-nummer" in text

    provider = page_client(app, "provider")
    assert_danish(provider.get("/provider?lang=da").get_data(as_text=True), *names)
    english = provider.get("/provider?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and 'hreflang="da" lang="da">Dansk<' in english
    assert 'hreflang="sv"' not in english


def test_a_danish_deployment_grants_and_finds_by_cpr_number(app, deps, signed_in, page_client):
    officer = page_client(app, "voucher_officer", "da")
    page = officer.get("/officer").get_data(as_text=True)
    form = {
        "programme_category": "kulturpeng/music",
        "personnummer": CITIZEN_PERSONNUMMER,  # a Swedish personnummer: no CPR number
        "email": "mette@hjem.example.dk",
        "language": "en",
        "csrf_token": csrf_token(page),
    }
    refused = officer.post("/officer/vouchers", data=form)
    said = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and 'href="#personnummer"' in said
    assert "Det er ikke et gyldigt CPR-nummer (ddmmåå-nnnn)." in said
    assert f'value="{CITIZEN_PERSONNUMMER}"' in said and 'value="mette@hjem.example.dk"' in said
    english = officer.post("/officer/vouchers?lang=en", data=form).get_data(as_text=True)
    assert "Not a valid CPR number (ddmmyy-nnnn)." in html.unescape(english) and "CPR number" in english

    granted = officer.post("/officer/vouchers", data={**form, "personnummer": CPR})
    assert granted.status_code == 302
    assert "Fritvalgsbeviset er bevilget (Kulturskolebevis)." in officer.get(
        granted.headers["Location"]
    ).get_data(as_text=True)
    [voucher] = deps.read.vouchers_of_programme("kulturpeng")

    page = officer.get("/officer/vouchers").get_data(as_text=True)
    search = {"personnummer": "1503124002", "csrf_token": csrf_token(page)}  # with or without the dash
    found = officer.post("/officer/vouchers/search", data=search).get_data(as_text=True)
    assert "Fundne fritvalgsbeviser: 1" in found and f'data-voucher="{voucher["_id"]}"' in found
    wrong = officer.post("/officer/vouchers/search", data={**search, "personnummer": "20120315-2002"})
    assert wrong.status_code == 422
    assert "Det er ikke et gyldigt CPR-nummer" in html.unescape(wrong.get_data(as_text=True))

    api = signed_in(app, "voucher_officer")
    body = {"programme": "kulturpeng", "category": "dance", "email": "mette@hjem.example.dk"}
    assert api.post("/api/v1/vouchers", json={**body, "personnummer": CPR}).status_code == 201
    swedish = api.post("/api/v1/vouchers", json={**body, "personnummer": CITIZEN_PERSONNUMMER})
    assert swedish.status_code == 422 and "personnummer" in swedish.get_json()["errors"]["json"]
    org = api.post(
        "/api/v1/programmes/kulturpeng/applications",
        json={"organisation_number": "5560360793", "name": "Kulturskolen", "ownership": "private",
              "categories": ["music"], "contact_email": "k@example.dk", "description": "Musikundervisning."},
    )  # fmt: skip
    assert org.status_code == 422 and "organisation_number" in org.get_json()["errors"]["json"]


def test_a_danish_deployment_offers_its_own_languages_for_the_citizens_emails(
    app, deps, signed_in, page_client
):
    """The grant form's and the API's email languages are the deployment's (da and en, as
    its pages' switch): Swedish is refused at the field in the page's language, what was
    typed kept; a grant in Danish is a v4 voucher_granted, valid against its contract."""
    from kernel.eventsourcing import contracts
    from vouchers.domain.vouchers import stream_id_for

    officer = page_client(app, "voucher_officer", "da")
    page = officer.get("/officer").get_data(as_text=True)
    select = page[page.index('<select id="language"') : page.index("</select>", page.index('id="language"'))]
    assert '<option value="da">Dansk</option>' in select and '<option value="en">Engelsk</option>' in select
    assert 'value="sv"' not in select
    english = officer.get("/officer?lang=en").get_data(as_text=True)
    assert (
        '<option value="da">Danish</option>' in english and '<option value="en">English</option>' in english
    )
    form = {
        "programme_category": "kulturpeng/music",
        "personnummer": CPR,
        "email": "mette@hjem.example.dk",
        "language": "sv",
        "csrf_token": csrf_token(page),
    }
    for lang, message in (("da", "Vælg en af mulighederne."), ("en", "Choose one of the options.")):
        refused = officer.post(f"/officer/vouchers?lang={lang}", data=form)
        said = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422 and 'href="#language"' in said
        assert 'id="language-error"' in said and message in said
        assert f'value="{CPR}"' in said and 'value="mette@hjem.example.dk"' in said
    assert deps.read.vouchers_of_programme("kulturpeng") == []

    granted = officer.post("/officer/vouchers", data={**form, "language": "da"})
    assert granted.status_code == 302
    [voucher] = deps.read.vouchers_of_programme("kulturpeng")
    [event] = deps.store.load(stream_id_for(voucher["_id"]))[:1]
    assert event.schema_version == 5 and event.data["language"] == "da"
    contracts.validate_personal(event)
    contracts.validate(deps.personal.seal_event(event))

    api = signed_in(app, "voucher_officer")
    body = {
        "programme": "kulturpeng",
        "category": "dance",
        "email": "mette@hjem.example.dk",
        "personnummer": CPR,
    }
    swedish = api.post("/api/v1/vouchers", json={**body, "language": "sv"})
    assert swedish.status_code == 422 and "language" in swedish.get_json()["errors"]["json"]
    left_out = api.post("/api/v1/vouchers", json=body)  # the national language, Danish
    assert left_out.status_code == 201
    [event] = deps.store.load(stream_id_for(left_out.get_json()["voucher_id"]))[:1]
    assert event.data["language"] == "da"
    spec = api.get("/api/openapi.json").get_json()
    assert spec["components"]["schemas"]["Grant"]["properties"]["language"]["enum"] == ["da", "en"]
    [programme] = [p for p in api.get("/api/v1/programmes").get_json()["items"] if p["id"] == "kulturpeng"]
    assert "da" in programme["name"] and all("da" in c["label"] for c in programme["categories"])
