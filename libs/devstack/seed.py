"""A little demo data, entered the way users enter it: through the services' APIs."""

from __future__ import annotations

import time

import requests

from devstack.oidc import DEMO_USERS, login
from devstack.vouchers_api import VouchersApi

ANNA = {
    "organisation_number": "556036-0793",
    "company": "Kafé Solsidan AB",
    "contact_name": "Anna Berg",
    "email": "anna.berg@example.se",
    "phone": "08-123 456 78",
    "language": "sv",
}
ERIK = {
    "organisation_number": "556703-7485",
    "company": "Byggmästarna i Nacka AB",
    "contact_name": "Erik Lund",
    "email": "erik.lund@example.se",
    "phone": "070-123 45 67",
    "language": "sv",
}
METTE = {
    "organisation_number": "13585628",
    "company": "Nordic Food ApS",
    "contact_name": "Mette Hansen",
    "email": "mette@example.dk",
    "phone": "+45 33 12 34 56",
    "language": "en",
}
INQUIRIES = [  # the demo applicants' inquiries, in the order they come in
    {
        **ANNA,
        "case_type": "outdoor_seating",
        "description": "Vi vill ha uteservering med 12 platser på torget från 1 maj.",
    },
    {
        **ERIK,
        "case_type": "building_permit",
        "description": "Tillbyggnad av lagerlokal, 240 kvm, fastigheten Sicklaön 1:2.",
    },
    {
        **METTE,
        "case_type": "food_business_registration",
        "description": "Registration of a new food truck selling smørrebrød.",
    },
    {
        **ANNA,
        "case_type": "alcohol_serving_licence",
        "description": "Ansökan om stadigvarande serveringstillstånd för allmänheten.",
    },
    {
        **ERIK,
        "case_type": "general_business_advice",
        "description": "Vilka regler gäller för att sätta upp en skylt på fasaden?",
    },
]


def wait_for_case(desk: requests.Session, desk_url: str, reference: str, timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = desk.get(f"{desk_url}/api/v1/cases/by-reference/{reference}", timeout=5)
        if response.status_code == 200:
            return response.json()
        time.sleep(0.1)
    raise TimeoutError(f"case {reference} did not reach business_desk")


def seed(intake_url: str, desk_url: str, oidc_issuer: str) -> list[dict]:
    """Demo inquiries; a handler (signed in at the OpenID provider) moves two along."""
    desk = signed_in(oidc_issuer, "case_handler_other_team", "business_desk")  # Hugo's team
    receipts = []
    for inquiry in INQUIRIES:
        response = requests.post(f"{intake_url}/api/v1/inquiries", json=inquiry, timeout=10)
        response.raise_for_status()
        receipts.append(response.json())
    # Move two cases along, as a handler would.
    building = wait_for_case(desk, desk_url, receipts[1]["reference"])
    advice = wait_for_case(desk, desk_url, receipts[4]["reference"])
    desk.post(f"{desk_url}/api/v1/cases/{building['id']}/claim", timeout=10).raise_for_status()
    desk.post(
        f"{desk_url}/api/v1/cases/{building['id']}/completion-request",
        json={"message": "Skicka en situationsplan och fasadritningar i skala 1:100."},
        timeout=10,
    ).raise_for_status()
    desk.post(f"{desk_url}/api/v1/cases/{advice['id']}/claim", timeout=10).raise_for_status()
    desk.post(
        f"{desk_url}/api/v1/cases/{advice['id']}/decision",
        json={
            "outcome": "answered",
            "answer": "En skylt på fasaden kräver bygglov i detaljplanelagt område. Skicka in en ansökan om "
            "bygglov för skylt med ritning och foto på fasaden.",
        },
        timeout=10,
    ).raise_for_status()
    return receipts


VOUCHER_PROVIDERS = [
    # (programme, organisation number, name, ownership, categories, decision)
    ("kulturpeng", "5560360793", "Kulturskolan Pelle", "private", ["music", "dance"], "approve"),
    (
        "kulturpeng",
        "2120000142",
        "Kommunens kulturskola",
        "municipal",
        ["music", "dance", "theatre"],
        "approve",
    ),
    ("kulturpeng", "8020006147", "Teaterföreningen Scenen", "non_profit", ["theatre"], "approve"),
    ("hemtjanst", "2120000142", "Kommunens hemtjänst", "municipal", ["home_care"], "approve"),
    ("hemtjanst", "5567037485", "Alfa Omsorg AB", "private", ["home_care"], "approve"),
    (
        "jobbpeng",
        "8020006147",
        "Jobbverkstaden ideell förening",
        "non_profit",
        ["basic", "extended"],
        "approve",
    ),
    ("jobbpeng", "5564938289", "Karriärbolaget AB", "private", ["basic"], None),
]


def signed_in(oidc_issuer: str, role: str, audience: str) -> requests.Session:
    """A session carrying the access token of the demo user of `role` for `audience`'s API."""
    session = requests.Session()
    token = login(oidc_issuer, DEMO_USERS[role], audience)["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def seed_vouchers(vouchers_url: str, oidc_issuer: str) -> list[str]:
    """Approved providers in each programme, a default home-care provider, a voucher
    for the demo citizen (cilla.citizen) with a choice and delivered lessons."""
    officer_session = signed_in(oidc_issuer, "voucher_officer", "vouchers")
    officer = VouchersApi(vouchers_url, officer_session)
    provider_ids = []
    for programme, org, name, ownership, categories, decision in VOUCHER_PROVIDERS:
        provider_id = officer.apply(
            programme,
            org,
            name,
            categories,
            ownership=ownership,
            contact_email=f"kontakt.{org}@utforare.example.se",
            description=f"{name}: erfarna medarbetare och lokaler i hela kommunen.",
        )
        provider_ids.append(provider_id)
        if decision:
            officer.decide(provider_id, "Uppfyller alla krav i förfrågningsunderlaget.", decision)
    officer.designate("hemtjanst", "hemtjanst-2120000142")
    for provider_id, score in (("kulturpeng-5560360793", 4.5), ("kulturpeng-2120000142", 4.1)):
        officer_session.post(
            f"{vouchers_url}/api/v1/providers/{provider_id}/quality",
            json={"measure": "satisfaction", "value": score, "period": "2026"},
            timeout=10,
        ).raise_for_status()
    voucher_id = officer.grant(
        "kulturpeng", "music", "20120315-2002", "cilla@hem.example.se", name="Cilla-Maj Lind"
    )
    citizen = VouchersApi(vouchers_url, signed_in(oidc_issuer, "citizen", "vouchers"))
    citizen.choose(voucher_id, "kulturpeng-5560360793")
    signed_in(oidc_issuer, "provider", "vouchers").post(
        f"{vouchers_url}/api/v1/vouchers/{voucher_id}/deliveries",
        json={"report_id": "demo-lesson-1", "units": 1, "delivered_on": time.strftime("%Y-%m-%d")},
        timeout=10,
    ).raise_for_status()
    officer.grant(
        "hemtjanst",
        "home_care",
        "19450101-1003",
        "karin@hem.example.se",
        units_per_period=24,
        name="Karin Öberg",
    )
    return provider_ids
