"""The vouchers service on the real store: its app on the day the test sets, and the
journeys' first steps (an approved provider, a granted voucher) as fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from conftest import CITIZEN_PERSONNUMMER, KULTURSKOLAN_APPLICATION, DayClock
from vouchers import create_app
from vouchers.bootstrap import bootstrap
from vouchers.domain.vouchers import citizen_bucket


@pytest.fixture
def clock() -> DayClock:
    return DayClock(date(2026, 10, 5))


@pytest.fixture
def deps(settings_for, clock):
    return bootstrap(settings_for("vouchers"), clock=clock)


@pytest.fixture
def app(settings_for, deps):
    return create_app(settings_for("vouchers"), deps=deps)


@pytest.fixture
def approved_provider(app, signed_in) -> Callable[..., str]:
    """A provider of kulturpeng applied and approved: its id."""

    def approve(org_body: dict | None = None) -> str:
        provider = signed_in(app, "provider")
        applied = provider.post(
            "/api/v1/programmes/kulturpeng/applications",
            json={**KULTURSKOLAN_APPLICATION, **(org_body or {})},
        )
        assert applied.status_code == 201, applied.get_json()
        provider_id = applied.get_json()["provider_id"]
        officer = signed_in(app, "voucher_officer")
        decided = officer.post(
            f"/api/v1/providers/{provider_id}/decisions",
            json={"decision": "approve", "reason": "Meets every criterion."},
        )
        assert decided.status_code == 200 and decided.get_json()["status"] == "approved"
        return provider_id

    return approve


@pytest.fixture
def granted_voucher(app, signed_in) -> Callable[..., str]:
    """A kulturpeng voucher granted to cilla.citizen (or as `extra` says): its id."""

    def grant(**extra: object) -> str:
        body = {
            "programme": "kulturpeng",
            "category": "music",
            "personnummer": CITIZEN_PERSONNUMMER,
            "email": "cilla@hem.example.se",
            **extra,
        }
        response = signed_in(app, "voucher_officer").post("/api/v1/vouchers", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["voucher_id"]

    return grant


@pytest.fixture
def personnummer_in_the_bucket_of() -> Callable[[str, bytes], str]:
    return in_the_bucket_of


def in_the_bucket_of(personnummer: str, secret: bytes) -> str:
    """Another valid personnummer (born 2012, as the programme's ages allow) in the same bucket."""
    from stdnum import luhn

    bucket = citizen_bucket(personnummer, secret)
    for serial in range(100_000):
        ten = f"1204{serial % 28 + 1:02d}{serial // 28:03d}"
        other = f"20{ten}{luhn.calc_check_digit(ten)}"
        if other != personnummer and citizen_bucket(other, secret) == bucket:
            return other
    raise AssertionError("no personnummer in the bucket")
