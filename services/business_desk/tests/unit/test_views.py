from dataclasses import replace
from datetime import date

from business_desk.readmodels.case_projection import clock_now, evolve
from business_desk.settings import DeskSettings
from catalogue import casetypes
from kernel.domain.calendar import Target
from kernel.eventsourcing.contracts import CONTRACTS_DIR, golden_example
from kernel.eventsourcing.envelope import Envelope

CATALOGUE = casetypes.load(DeskSettings.from_env().case_types_file)
LIFE = [
    "business_desk.case_opened",
    "business_desk.case_assigned",
    "business_desk.status_changed",
    "business_desk.note_added",
    "business_desk.completion_requested",
    "business_desk.applicant_replied",
    "business_desk.deadline_extended",
    "business_desk.delay_notice_sent",
    "business_desk.deadline_warning_issued",
    "business_desk.case_decided",
    "business_desk.case_closed",
    "business_desk.case_reopened",
]


def life() -> list[Envelope]:
    """The golden examples as one case's life, numbered in order."""
    events = []
    for version, event_type in enumerate(LIFE, start=1):
        raw = golden_example(event_type)
        raw["version"] = version
        events.append(Envelope.from_dict(raw))
    return events


def test_the_case_view_follows_every_step_and_keeps_a_history():
    doc = None
    phases = []
    for event in life():
        doc = evolve(doc, event, CATALOGUE) or doc
        phases.append((doc["phase"], doc["status"]))
        if event.type == "business_desk.case_decided":
            decided = doc
    assert phases == [
        ("open", "open"),
        ("in_progress", "in_progress"),
        ("in_progress", "referral"),
        ("in_progress", "referral"),
        ("waiting_for_applicant", "waiting_for_applicant"),
        ("in_progress", "in_progress"),
        ("in_progress", "in_progress"),
        ("in_progress", "in_progress"),
        ("in_progress", "in_progress"),
        ("decided", "decided"),
        ("closed", "closed"),
        ("in_progress", "in_progress"),
    ]
    # the building permit's clock restarted at the complete application (3 Dec), 10 weeks + 10 extended
    assert decided["clock"]["started_on"] == "2026-12-03"
    assert decided["due_date"] == "2027-04-22"
    assert decided["decision"]["outcome"] == "granted_with_conditions"
    assert decided["clock"]["within_target_net"] is True
    assert decided["clock"]["gross_days"] == 57
    assert doc["decision"] is None and doc["closed"] is None  # reopened
    assert [n["note"] for n in doc["notes"]] == ["Ringde sökanden, ritningar kommer på måndag."]
    assert doc["delay_notices"][0]["expected_by"] == "2027-02-15"
    assert len(doc["history"]) == len(LIFE) and doc["handler"] == "Sara Handläggare"
    assert {"bus", "kafe", "solsid", "5560360793"} <= set(doc["search"])
    assert "uterum" not in doc["search"]  # the applicant's description is not searchable in clear
    assert "ringde" not in doc["search"]  # internal notes are not searched


def test_an_event_already_in_the_view_is_not_applied_twice():
    opened, assigned, *_ = life()
    doc = evolve(evolve(None, opened, CATALOGUE), assigned, CATALOGUE)
    assert evolve(doc, assigned, CATALOGUE) is None
    assert evolve(doc, opened, CATALOGUE) is None


def test_changing_a_rule_and_replaying_recomputes_the_figures():
    events = life()[:10]  # up to the decision

    def replay(catalogue):
        doc = None
        for event in events:
            doc = evolve(doc, event, catalogue) or doc
        return doc

    before = replay(CATALOGUE)
    permit = CATALOGUE.get("building_permit")
    stricter = replace(
        CATALOGUE,
        case_types={
            **CATALOGUE.case_types,
            "building_permit": replace(permit, target=Target(3, "weeks"), extension=Target(1, "weeks")),
        },
    )
    after = replay(stricter)
    assert before["clock"]["within_target_net"] is True
    assert after["due_date"] == "2027-01-04"  # 3 + 1 weeks from 3 Dec is New Year's Eve: next working day
    assert after["clock"]["within_target_net"] is False
    assert after["clock"]["days_late"] == 16
    assert after["clock"]["fee_reduction_fifths"] == 3  # three started weeks late
    assert after["clock"]["net_days"] == before["clock"]["net_days"]  # the facts did not change


def test_an_open_cases_clock_is_read_as_of_today():
    doc = evolve(None, life()[0], CATALOGUE)
    assert clock_now(doc, CATALOGUE, date(2026, 12, 24))["share_used"] == 0.4286  # 30 of 70 days
    late = clock_now(doc, CATALOGUE, date(2027, 2, 9))
    assert late["days_late"] == 7 and late["fee_reduction_fifths"] == 1


def test_events_from_before_actor_ids_replay_with_legacy_ids_that_match_nobody():
    """The first versions named people only, and kept the reasons in clear: read through the
    upcasters, they still replay, their people get `legacy:<name>` ids, their reasons show."""
    from business_desk.domain.upcasters import upcasters

    doc = None
    for version, event_type in enumerate(LIFE[:-1], start=1):  # up to the closing
        raw = golden_example(event_type, oldest_version(event_type))
        raw["version"] = version
        event = upcasters().upcast(Envelope.from_dict(raw))
        doc = evolve(doc, event, CATALOGUE) or doc
    assert doc["phase"] == "closed"
    assert doc["handler"] == "Sara Handläggare" and doc["handler_id"] == "legacy:Sara Handläggare"
    assert doc["closed"]["by_id"].startswith("legacy:") and doc["closed"]["reason"]
    assert doc["history"][-1]["detail"] == doc["closed"]["reason"]
    assert doc["extension"]["reason"]


def oldest_version(event_type: str) -> int:
    return min(int(p.name.split(".v")[-1][:-5]) for p in CONTRACTS_DIR.glob(f"examples/{event_type}.v*.json"))
