"""A little demo data, entered the way users enter it: through the services' APIs."""

from __future__ import annotations

import time

import requests

from devstack.oidc import DEMO_USERS, login

INQUIRIES = [
    {
        "organisation_number": "556036-0793",
        "company": "Kafé Solsidan AB",
        "contact_name": "Anna Berg",
        "email": "anna.berg@example.se",
        "phone": "08-123 456 78",
        "case_type": "outdoor_seating",
        "description": "Vi vill ha uteservering med 12 platser på torget från 1 maj.",
        "language": "sv",
    },
    {
        "organisation_number": "556703-7485",
        "company": "Byggmästarna i Nacka AB",
        "contact_name": "Erik Lund",
        "email": "erik.lund@example.se",
        "phone": "070-123 45 67",
        "case_type": "building_permit",
        "description": "Tillbyggnad av lagerlokal, 240 kvm, fastigheten Sicklaön 1:2.",
        "language": "sv",
    },
    {
        "organisation_number": "13585628",
        "company": "Nordic Food ApS",
        "contact_name": "Mette Hansen",
        "email": "mette@example.dk",
        "phone": "+45 33 12 34 56",
        "case_type": "food_business_registration",
        "description": "Registration of a new food truck selling smørrebrød.",
        "language": "en",
    },
    {
        "organisation_number": "556036-0793",
        "company": "Kafé Solsidan AB",
        "contact_name": "Anna Berg",
        "email": "anna.berg@example.se",
        "phone": "08-123 456 78",
        "case_type": "alcohol_serving_licence",
        "description": "Ansökan om stadigvarande serveringstillstånd för allmänheten.",
        "language": "sv",
    },
    {
        "organisation_number": "556703-7485",
        "company": "Byggmästarna i Nacka AB",
        "contact_name": "Erik Lund",
        "email": "erik.lund@example.se",
        "phone": "070-123 45 67",
        "case_type": "general_business_advice",
        "description": "Vilka regler gäller för att sätta upp en skylt på fasaden?",
        "language": "sv",
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
    desk = requests.Session()
    hugo = DEMO_USERS["case_handler_other_team"]  # Hugo's team
    token = login(oidc_issuer, hugo, "business_desk")["access_token"]
    desk.headers["Authorization"] = f"Bearer {token}"
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


def seed_vouchers(vouchers_url: str, oidc_issuer: str) -> list[str]:
    """Approved providers in each programme, a default home-care provider, a voucher
    for the demo citizen (cilla.citizen) with a choice and delivered lessons."""
    officer = requests.Session()
    officer.headers["Authorization"] = (
        f"Bearer {login(oidc_issuer, DEMO_USERS['voucher_officer'], 'vouchers')['access_token']}"
    )
    provider_ids = []
    for programme, org, name, ownership, categories, decision in VOUCHER_PROVIDERS:
        applied = officer.post(
            f"{vouchers_url}/api/v1/programmes/{programme}/applications",
            json={
                "organisation_number": org,
                "name": name,
                "ownership": ownership,
                "categories": categories,
                "contact_email": f"kontakt.{org}@utforare.example.se",
                "description": f"{name}: erfarna medarbetare och lokaler i hela kommunen.",
            },
            timeout=10,
        )
        applied.raise_for_status()
        provider_id = applied.json()["provider_id"]
        provider_ids.append(provider_id)
        if decision:
            officer.post(
                f"{vouchers_url}/api/v1/providers/{provider_id}/decisions",
                json={"decision": decision, "reason": "Uppfyller alla krav i förfrågningsunderlaget."},
                timeout=10,
            ).raise_for_status()
    officer.put(
        f"{vouchers_url}/api/v1/programmes/hemtjanst/default-provider",
        json={"provider_id": "hemtjanst-2120000142"},
        timeout=10,
    ).raise_for_status()
    for provider_id, score in (("kulturpeng-5560360793", 4.5), ("kulturpeng-2120000142", 4.1)):
        officer.post(
            f"{vouchers_url}/api/v1/providers/{provider_id}/quality",
            json={"measure": "satisfaction", "value": score, "period": "2026"},
            timeout=10,
        ).raise_for_status()
    granted = officer.post(
        f"{vouchers_url}/api/v1/vouchers",
        json={
            "programme": "kulturpeng",
            "category": "music",
            "personnummer": "20120315-2002",
            "email": "cilla@hem.example.se",
        },
        timeout=10,
    )
    granted.raise_for_status()
    voucher_id = granted.json()["voucher_id"]
    citizen = requests.Session()
    citizen_token = login(oidc_issuer, DEMO_USERS["citizen"], "vouchers")["access_token"]
    citizen.headers["Authorization"] = f"Bearer {citizen_token}"
    citizen.post(
        f"{vouchers_url}/api/v1/vouchers/{voucher_id}/choice",
        json={"provider_id": "kulturpeng-5560360793"},
        timeout=10,
    ).raise_for_status()
    provider = requests.Session()
    provider_token = login(oidc_issuer, DEMO_USERS["provider"], "vouchers")["access_token"]
    provider.headers["Authorization"] = f"Bearer {provider_token}"
    provider.post(
        f"{vouchers_url}/api/v1/vouchers/{voucher_id}/deliveries",
        json={"report_id": "demo-lesson-1", "units": 1, "delivered_on": time.strftime("%Y-%m-%d")},
        timeout=10,
    ).raise_for_status()
    officer.post(
        f"{vouchers_url}/api/v1/vouchers",
        json={
            "programme": "hemtjanst",
            "category": "home_care",
            "personnummer": "19450101-1003",
            "email": "karin@hem.example.se",
            "units_per_period": 24,
        },
        timeout=10,
    ).raise_for_status()
    return provider_ids
