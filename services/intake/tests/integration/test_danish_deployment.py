"""A Danish deployment (country DK in its case-type configuration): the applicants'
pages, answers and receipts in Danish and English."""

from __future__ import annotations

import pytest

from intake import create_app
from kernel.platform.connections import mongo_client
from kernel.platform.settings import REPO_ROOT

pytestmark = pytest.mark.integration

INQUIRY = {
    "organisation_number": "13585628",  # a Danish CVR number
    "company": "Nordic Food ApS",
    "contact_name": "Mette Hansen",
    "email": "mette@example.dk",
    "phone": "+45 33 12 34 56",
    "case_type": "building_permit",
    "description": "Tilbygning på 40 m2.",
}


@pytest.fixture
def app(settings_for, monkeypatch):
    monkeypatch.setenv("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.dk.yaml"))
    settings = settings_for("intake")
    application = create_app(settings)
    application.db = mongo_client(settings)[settings.database]
    return application


def test_a_danish_deployment_speaks_danish_and_english(app):
    client = app.test_client()
    form = client.get("/", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert '<html lang="da">' in form and "Henvendelse eller ansøgning til kommunen" in form
    assert ">Dansk<" in form and ">English<" in form and ">Svenska<" not in form
    assert "Byggetilladelse" in form

    receipt = client.post("/api/v1/inquiries", json=INQUIRY).get_json()  # no language given: Danish
    [event] = app.db["events"].find({"type": "intake.inquiry_submitted"})
    assert event["data"]["language"] == "da" and event["data"]["organisation_country"] == "DK"
    token = receipt["tracking_url"].rsplit("/", 1)[1]
    page = client.get(f"/track/{token}").get_data(as_text=True)
    assert "Din sag" in page and "Modtaget. Sagen bliver registreret hos sagsbehandlerne." in page
    assert "Sagen blev modtaget." in page
    english = client.get(f"/track/{token}?lang=en").get_data(as_text=True)
    assert "The case was received." in english

    swedish = client.post("/api/v1/inquiries", json={**INQUIRY, "language": "sv"})
    assert swedish.status_code == 422 and "language" in swedish.get_json()["errors"]["json"]

    case_type = client.get("/case-types/building_permit?lang=da").get_data(as_text=True)
    assert "40 dage" in case_type and "Facade- og plantegninger" in case_type and "Vores løfte" in case_type
