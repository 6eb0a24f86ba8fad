"""How long a tracking link works."""

from datetime import date

from intake.domain.tracking import link_expired


def doc(decided_on=None):
    return {"decision": {"decided_on": decided_on} if decided_on else None}


def test_a_link_works_while_the_case_is_open_however_long_it_takes():
    assert not link_expired(doc(), date(2030, 1, 1), 90)


def test_a_link_works_for_the_configured_days_after_the_decision_then_expires():
    assert not link_expired(doc("2026-01-01"), date(2026, 4, 1), 90)
    assert link_expired(doc("2026-01-01"), date(2026, 4, 2), 90)
