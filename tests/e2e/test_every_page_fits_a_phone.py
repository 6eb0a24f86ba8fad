"""Every page of every service, as each person who may see it, on demo data (devstack.seed,
entered through the APIs as a person would): at 375 px wide (a small phone) it scrolls no
sideways and axe finds no WCAG 2.1 A/AA violation; in Swedish it shows no number with a
decimal point (Swedish writes a decimal comma) and none of the English labels that have been
left untranslated before. Each page is kept as a screenshot at 1280 px and at 375 px under
.local/screenshots/ for a person to look at.

One stack and one browser for the module; a signed-in tab per person and service."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devstack.seed import seed, seed_vouchers, signed_in
from tests.e2e.accessibility import assert_accessible, screenshot
from tests.e2e.browser import browser  # noqa: F401 - pytest fixture
from tests.e2e.test_pages_in_a_browser import fill_inquiry

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
LAPTOP = {"width": 1280, "height": 900}
DECIMAL_POINT = re.compile(r"\d\.\d")  # 4.5, 0.25: Swedish writes 4,5 (dates, times, references have none)
URL = re.compile(r"https?://\S+")  # a link to copy (the receipt's tracking link, 127.0.0.1) is no number
# Labels once left in English on the Swedish pages. ("Status" is Swedish too, and not on the list.)
ENGLISH = re.compile(
    r"\b(email|e-mail|Submit|Cancel|Sign out|Sign in|Search|Save|Send|Back|Next|Previous|Download"
    r"|units|days|weeks|Missing data|None|null|undefined|Overdue|Deadline|Assign|Reason|Received"
    r"|Decided|Approved|Applied|Provider|Voucher|Figures|Page)\b"
)


@dataclass(frozen=True)
class Page:
    """A page: who opens it (a demo login, None for anyone), in which service, at which path;
    `link` follows the first link matching it from that path (a case, an inquiry: ids made by the seed);
    `action` a form submitted there first."""

    person: str | None
    service: str
    path: str
    link: str | None = None
    action: str | None = None

    @property
    def id(self) -> str:
        shown = self.link or self.action or ""
        return f"{self.person or 'anyone'}:{self.service}{self.path}{'>' + shown if shown else ''}"


PAGES = [
    Page(None, "intake", "/"),
    Page(None, "intake", "/", action="form-errors"),
    Page(None, "intake", "/", action="receipt"),
    Page(None, "intake", "/case-types"),
    Page(None, "intake", "/case-types/building_permit"),
    Page(None, "intake", "/case-types/alcohol_serving_licence"),
    Page(None, "intake", "/sign-in"),
    Page(None, "intake", "/track"),  # the demo applicant's tracking link
    Page("anna.applicant", "intake", "/my-cases"),
    Page("anna.applicant", "intake", "/my-cases", link="a[href^='/my-cases/']"),
    Page("sara.handler", "business_desk", "/"),
    Page("sara.handler", "business_desk", "/queues/outdoor_seating"),
    Page("sara.handler", "business_desk", "/queues/outdoor_seating", link="a[href^='/cases/']"),
    Page("hugo.handler", "business_desk", "/"),
    Page("hugo.handler", "business_desk", "/queues/building_permit"),
    Page("hugo.handler", "business_desk", "/queues/building_permit", link="a[href^='/cases/']"),
    Page("tina.lead", "business_desk", "/teams/licensing"),
    Page("maria.manager", "business_desk", "/"),
    Page("maria.manager", "business_desk", "/dashboard"),
    Page("maria.manager", "business_desk", "/dashboard", link="#tiles a"),  # the cases behind a tile
    Page("maria.manager", "business_desk", "/dashboard/cases?show=open"),
    Page(None, "vouchers", "/"),
    Page(None, "vouchers", "/programmes/kulturpeng"),
    Page(None, "vouchers", "/programmes/hemtjanst"),
    Page(None, "vouchers", "/providers/kulturpeng-5560360793"),
    Page("cilla.citizen", "vouchers", "/my"),
    Page("cilla.citizen", "vouchers", "/my/vouchers/{voucher}/history"),
    Page("vera.officer", "vouchers", "/officer"),
    Page("pelle.provider", "vouchers", "/provider"),
]

# Pages whose Swedish copy is being fixed elsewhere (issue 19's other parts); they pass once fixed.
SWEDISH_NOT_YET: dict[str, str] = {}  # a page whose Swedish copy is known not to hold yet, and why


@dataclass
class Demo:
    tracking_url: str
    voucher_id: str


@pytest.fixture(scope="module")
def demo(stack, infra) -> Demo:
    receipts = seed(stack.url("intake"), stack.url("business_desk"), infra.oidc_issuer)
    seed_vouchers(stack.url("vouchers"), infra.oidc_issuer)
    citizen = signed_in(infra.oidc_issuer, "citizen", "vouchers")
    mine = citizen.get(f"{stack.url('vouchers')}/api/v1/my/vouchers", timeout=10)
    mine.raise_for_status()
    first = mine.json()["items"][0]
    return Demo(tracking_url=receipts[0]["tracking_url"], voucher_id=first.get("voucher_id") or first["id"])


@pytest.fixture(scope="module")
def tabs(browser, stack, infra) -> Iterator[dict]:  # noqa: F811
    """A tab per (person, service), signed in once, at a phone's width."""
    opened: dict[tuple[str | None, str], object] = {}

    def tab(person: str | None, service: str):  # type: ignore[no-untyped-def]
        if (person, service) not in opened:
            context = browser.new_context(locale="sv-SE", viewport=PHONE, is_mobile=True)
            page = context.new_page()
            page.set_default_timeout(15_000)
            if person:
                sign_in(page, stack, infra.oidc_issuer, person, service)
            opened[(person, service)] = page
        return opened[(person, service)]

    yield tab  # type: ignore[misc]
    for page in opened.values():
        page.context.close()


VOUCHER_PAGES = {"cilla.citizen": "/my", "vera.officer": "/officer", "pelle.provider": "/provider"}


def sign_in(page, stack, issuer: str, person: str, service: str) -> None:  # type: ignore[no-untyped-def]
    start = {"intake": "/my-cases", "business_desk": "/"}.get(service) or VOUCHER_PAGES[person]
    page.goto(f"{stack.url(service)}{start}?lang=sv")
    if page.locator("#sign-in-eid").count():
        page.click("#sign-in-eid")  # intake: the e-ID, not the email link
    page.fill("input[name=login]", person)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    if page.url.startswith(issuer):
        page.click("button[type=submit]")  # consent
    assert page.url.startswith(stack.url(service)), page.url
    assert page.locator("#signed-in-as").count() == 1, f"{person} is not signed in at {page.url}"


def open_page(tabs, stack, demo: Demo, spec: Page):  # type: ignore[no-untyped-def]
    page = tabs(spec.person, spec.service)
    page.set_viewport_size(PHONE)
    base = stack.url(spec.service)
    if spec.path == "/track":
        page.goto(f"{demo.tracking_url}?lang=sv")
    else:
        path = spec.path.format(voucher=demo.voucher_id)
        page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang=sv")
    if spec.link:
        link = page.locator(spec.link).first
        link.wait_for()
        link.click()
        page.wait_for_load_state()
    if spec.action:
        fill_inquiry(page, f"lina-{uuid.uuid4().hex[:8]}@example.se", "556703-7485")
        if spec.action == "form-errors":
            page.fill("#email", "inte en adress")
            page.fill("#organisation_number", "556703-7480")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    assert page.url.startswith(base) or spec.path == "/track", page.url
    return page


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.id)
def test_the_page_fits_a_phone_and_axe_finds_nothing(tabs, stack, demo, spec):
    page = open_page(tabs, stack, demo, spec)
    wider = page.evaluate("() => document.documentElement.scrollWidth")
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (typeof e.className === 'string' && e.className ? '.' + e.className.replace(/ /g, '.') : '')
                + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""
    )
    assert wider <= PHONE["width"], f"{spec.id} is {wider} px wide at {PHONE['width']} px: {too_wide}"
    assert_accessible(page)  # and its screenshot at 375 px
    page.set_viewport_size(LAPTOP)
    screenshot(page)
    page.set_viewport_size(PHONE)


def swedish_params() -> list:  # type: ignore[type-arg]
    return [
        pytest.param(spec, marks=pytest.mark.xfail(reason=SWEDISH_NOT_YET[spec.id], strict=False))
        if spec.id in SWEDISH_NOT_YET
        else spec
        for spec in PAGES
    ]


@pytest.mark.parametrize("spec", swedish_params(), ids=lambda p: p.id)
def test_the_page_in_swedish_has_no_decimal_point_and_no_english_label(tabs, stack, demo, spec):
    page = open_page(tabs, stack, demo, spec)
    assert page.locator("html").get_attribute("lang") == "sv"
    text = page.locator("body").inner_text()
    lines = text.splitlines()
    points = [line for line in lines if DECIMAL_POINT.search(URL.sub("", line))]
    english = sorted({m.group(0) for m in ENGLISH.finditer(text)})
    assert not points, f"{spec.id}: a decimal point in {points[:5]}"
    assert not english, f"{spec.id}: English {english} in {[ln for ln in lines if ENGLISH.search(ln)][:5]}"
