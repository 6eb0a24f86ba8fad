"""A Danish deployment (country DK in its case-type configuration, CASE_TYPES_FILE): every
vouchers page, as each role sees it, in Danish (the browser's Accept-Language or ?lang=da),
with no Swedish word left on it, its language switch offering English (not Swedish), and
its money in Danish kroner as Danish writes it."""

from __future__ import annotations

import html
import re

import pytest

from kernel.platform.settings import REPO_ROOT
from vouchers.bootstrap import bootstrap

pytestmark = pytest.mark.integration

# words only a Swedish page has (the Danish one says kommune, leverandør, CPR-nummer, sag ...)
SWEDISH = re.compile(
    r"\b(kommunens ickevalsalternativ|leverantör\w*|utförare\w*|personnummer|ärende\w*|checkar|"
    r"organisationsnummer|valfrihetssystem\w*|beviljad|välj|kvar|händelser|logga ut|giltig|"
    r"inlöst|utbetal\w*|handläggning|ansökningar)\b",
    re.IGNORECASE,
)


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


def test_every_page_of_a_danish_deployment_reads_danish(
    app, signed_in, page_client, approved_provider, granted_voucher
):
    provider_id = approved_provider()
    voucher_id = granted_voucher()
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
