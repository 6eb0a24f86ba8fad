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
    token = login(oidc_issuer, DEMO_USERS["case_handler_other_team"])["access_token"]  # Hugo's team
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
