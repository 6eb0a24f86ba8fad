"""The Case aggregate's rules and clock, on a fixed date and the Swedish calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from business_desk import domain, handlers
from business_desk.bootstrap import bootstrap
from business_desk.domain import Case, IllegalTransition
from business_desk.domain.clocks import Clock
from business_desk.readmodels.fakes import InMemoryCases
from business_desk.settings import DeskSettings
from catalogue import casetypes
from kernel.domain.actors import Actor
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.eventsourcing.memory_store import InMemoryEventStore

CATALOGUE = casetypes.load(DeskSettings.from_env().case_types_file)
ERIK = Actor("https://login.kommun.example#erik", "Erik Handläggare")
NAMESAKE = Actor("https://login.kommun.example#erik-2", "Erik Handläggare")
SARA = Actor("https://login.kommun.example#sara", "Sara Handläggare")


def inquiry(case_type: str, received_on: str = "2026-11-02") -> Envelope:
    raw = golden_example("intake.inquiry_submitted")
    raw["data"].update(case_type=case_type, received_on=received_on)
    return Envelope.from_dict(raw)


class Desk:
    """The handlers over an in-memory store, with a clock the test moves."""

    def __init__(self, case_type: str, received_on: str = "2026-11-02") -> None:
        self.today = date.fromisoformat(received_on)
        self.cases = InMemoryCases(CATALOGUE)
        self.store = InMemoryEventStore(hooks=[self.cases.apply], clock=lambda: self.now)
        self.deps = bootstrap(
            DeskSettings.from_env(),
            clock=lambda: self.now,
            store=self.store,
            cases=self.cases,  # type: ignore[arg-type]
            catalogue=CATALOGUE,
            deliveries=lambda _reference: [],
            delivery_figures=lambda: None,
            attachments=lambda _case_id, _attachment_id: None,
        )
        event = inquiry(case_type, received_on)
        handlers.open_case_from_inquiry(self.deps)(event, None)
        self.case_id = event.data["inquiry_id"]

    @property
    def now(self) -> datetime:
        return datetime(self.today.year, self.today.month, self.today.day, 10, tzinfo=UTC)

    def on(self, day: str) -> Desk:
        self.today = date.fromisoformat(day)
        return self

    @property
    def case(self) -> Case:
        return Case.from_history(self.store.load(domain.stream_id_for(self.case_id)))

    @property
    def clock(self) -> Clock:
        return self.case.clock(CATALOGUE, self.today)


def test_an_inquiry_opens_one_case_even_when_delivered_twice():
    desk = Desk("alcohol_serving_licence")
    handlers.open_case_from_inquiry(desk.deps)(inquiry("alcohol_serving_licence"), None)
    assert desk.case.history == [domain.CASE_OPENED]
    assert desk.clock.due_date == date(2026, 12, 28)  # 8 weeks from 2 Nov lands on 28 Dec (working day)


def test_the_full_path_claim_request_reply_decide():
    desk = Desk("alcohol_serving_licence")
    handlers.claim(desk.deps, desk.case_id, ERIK)
    handlers.request_completion(desk.on("2026-11-09").deps, desk.case_id, ERIK, "Send the floor plan.")
    assert desk.case.status == "waiting_for_applicant"
    handlers.register_reply(desk.on("2026-11-23").deps, desk.case_id, "Floor plan attached.")
    case = desk.case
    assert case.status == "in_progress"
    assert desk.clock.paused_days == 14
    assert desk.clock.due_date == date(2027, 1, 11)  # 8 weeks + 14 paused days from 2 Nov
    [decided] = handlers.decide(desk.on("2027-01-08").deps, desk.case_id, ERIK, "granted", "Licence granted.")
    assert decided.data["within_target"] is True
    assert decided.data["gross_days"] == 67
    assert decided.data["legal_reference"].startswith("Alkohollagen")
    assert desk.case.status == "decided"


def test_building_permit_clock_starts_again_when_the_application_is_complete():
    desk = Desk("building_permit")
    handlers.claim(desk.deps, desk.case_id, SARA)
    handlers.request_completion(desk.on("2026-11-04").deps, desk.case_id, SARA, "Site plan missing.")
    [replied] = handlers.register_reply(desk.on("2026-11-30").deps, desk.case_id, "Site plan attached.")
    assert replied.data["clock_started_on"] == "2026-11-30"
    assert replied.data["due_date"] == "2027-02-08"  # 10 weeks from the complete application


def test_working_day_clock_pauses_in_working_days():
    desk = Desk("general_business_advice", received_on="2026-11-26")  # Thursday, due Monday 30 Nov
    assert desk.clock.due_date == date(2026, 11, 30)
    handlers.claim(desk.deps, desk.case_id, ERIK)
    handlers.request_completion(desk.on("2026-11-27").deps, desk.case_id, ERIK, "Which address?")
    handlers.register_reply(desk.on("2026-12-01").deps, desk.case_id, "Storgatan 1")
    assert desk.clock.paused_units == 2  # Mon 30 Nov and Tue 1 Dec
    assert desk.clock.paused_days == 4  # Friday to Tuesday, as the applicant counts
    assert desk.clock.due_date == date(2026, 12, 2)


def test_a_late_decision_is_recorded_as_outside_the_target():
    desk = Desk("general_business_advice", received_on="2026-11-26")
    handlers.claim(desk.deps, desk.case_id, ERIK)
    [decided] = handlers.decide(desk.on("2026-12-03").deps, desk.case_id, ERIK, "answered", "Yes.")
    assert decided.data["within_target"] is False


@pytest.mark.parametrize(
    ("steps", "command", "message"),
    [
        ([], lambda d, c: handlers.decide(d, c, ERIK, "granted", "ok"), "claim it first"),
        (
            [],
            lambda d, c: handlers.register_reply(d, c, "x"),
            "cannot register a reply for a case that is open",
        ),
        (["claim"], lambda d, c: handlers.decide(d, c, SARA, "granted", "ok"), "handled by Erik"),
        # the same name is not the same person: only the subject counts
        (["claim"], lambda d, c: handlers.decide(d, c, NAMESAKE, "granted", "ok"), "handled by Erik"),
        (["claim"], lambda d, c: handlers.decide(d, c, ERIK, "maybe", "ok"), "outcome must be one of"),
        (["claim"], lambda d, c: handlers.decide(d, c, ERIK, "granted", "  "), "needs a written answer"),
        (
            ["claim", "request"],
            lambda d, c: handlers.decide(d, c, ERIK, "granted", "ok"),
            "cannot decide a case that is waiting for applicant",
        ),
        (
            ["claim", "decide"],
            lambda d, c: handlers.claim(d, c, "erik2"),
            "cannot claim a case that is decided",
        ),
    ],
)
def test_illegal_transitions_are_rejected_with_a_clear_message(steps, command, message):
    desk = Desk("outdoor_seating")
    actions = {
        "claim": lambda: handlers.claim(desk.deps, desk.case_id, ERIK),
        "request": lambda: handlers.request_completion(desk.deps, desk.case_id, ERIK, "More, please."),
        "decide": lambda: handlers.decide(desk.deps, desk.case_id, ERIK, "granted", "Granted."),
    }
    for step in steps:
        actions[step]()
    before = len(desk.case.history)
    with pytest.raises(IllegalTransition, match=message):
        command(desk.deps, desk.case_id)
    assert len(desk.case.history) == before  # nothing stored


def test_claiming_a_claimed_case_reassigns_it_and_claiming_again_changes_nothing():
    desk = Desk("outdoor_seating")
    handlers.claim(desk.deps, desk.case_id, ERIK)
    assert handlers.claim(desk.deps, desk.case_id, ERIK) == []
    [moved] = handlers.claim(desk.deps, desk.case_id, SARA)
    assert moved.data["previous_handler"] == ERIK.name
    assert moved.data["previous_handler_id"] == ERIK.id
    assert desk.case.handler == SARA


def test_personal_data_is_erased_once_the_retention_period_after_the_decision_has_run_out():
    from kernel.privacy.personal import InMemoryKeyVault, PersonalData

    desk = Desk("general_business_advice", "2026-11-02")
    desk.deps.personal = PersonalData(InMemoryKeyVault())
    with pytest.raises(IllegalTransition, match="once the case is decided"):
        handlers.erase_personal_data(desk.deps, desk.case_id, "request")
    handlers.claim(desk.deps, desk.case_id, ERIK)
    handlers.decide(desk.on("2026-11-03").deps, desk.case_id, ERIK, "answered", "Yes.")
    assert not domain.erasure_due(desk.case, date(2027, 11, 2), retention_days=365)
    assert domain.erasure_due(desk.case, date(2027, 11, 3), retention_days=365)
    with pytest.raises(IllegalTransition, match="say why"):
        handlers.erase_personal_data(desk.deps, desk.case_id, " ")
    [erased] = handlers.erase_personal_data(desk.on("2027-11-03").deps, desk.case_id, "retention")
    assert erased.data == {
        "case_id": desk.case_id,
        "reference": desk.case.reference,
        "subject_id": desk.case.subject_id,
        "erased_on": "2027-11-03",
        "reason": "retention",
    }
    assert desk.deps.personal.vault.key(desk.case.subject_id) is None  # the key is gone
    assert desk.case.personal_erased and not domain.erasure_due(desk.case, date(2030, 1, 1), 365)
    assert handlers.erase_personal_data(desk.deps, desk.case_id, "retention") == []


def test_the_retention_round_erases_what_the_case_view_says_is_due_and_nothing_else():
    from kernel.privacy.personal import InMemoryKeyVault, PersonalData

    desk = Desk("general_business_advice", "2026-11-02")
    desk.deps.personal = PersonalData(InMemoryKeyVault())
    desk.deps.settings = replace(desk.deps.settings, retention_days=365)
    handlers.claim(desk.deps, desk.case_id, ERIK)
    handlers.decide(desk.on("2026-11-03").deps, desk.case_id, ERIK, "answered", "Yes.")
    assert handlers.retention_round(desk.on("2027-11-02").deps) == []
    assert handlers.retention_round(desk.on("2027-11-03").deps) == [desk.case.reference]
    assert desk.cases.get(desk.case_id)["personal_erased_on"] == "2027-11-03"
    assert handlers.retention_round(desk.on("2027-11-04").deps) == []  # once


def test_the_deadline_round_warns_about_the_open_cases_of_the_case_view_once_per_share():
    desk = Desk("outdoor_seating", "2026-11-02")
    assert handlers.deadline_round(desk.deps) == []
    due = date.fromisoformat(desk.cases.get(desk.case_id)["due_date"])
    assert handlers.deadline_round(desk.on(due.isoformat()).deps) == [desk.case_id]
    assert handlers.deadline_round(desk.deps) == []
    handlers.claim(desk.deps, desk.case_id, ERIK)
    handlers.decide(desk.deps, desk.case_id, ERIK, "granted", "Yes.")
    assert desk.case_id not in desk.cases.active_ids()


def test_a_store_given_needs_the_case_view_its_hook_keeps():
    with pytest.raises(TypeError):
        bootstrap(DeskSettings.from_env(), store=InMemoryEventStore())


@pytest.mark.parametrize("event_type", [domain.COMPLETION_REQUESTED, domain.CASE_DECIDED])
def test_an_event_from_before_documents_reads_as_one_with_none(event_type):
    from business_desk.domain.upcasters import upcasters

    raw = golden_example(event_type)
    raw["schema_version"] = 3
    del raw["data"]["document_count"]
    raw["data"]["personal"] = {k: v for k, v in raw["data"]["personal"].items() if k != "documents"}
    read = upcasters().upcast(Envelope.from_dict(raw))
    assert read.schema_version == 4 and read.data["document_count"] == 0


def test_the_documents_are_described_in_the_event_and_counted_in_clear():
    desk = Desk("alcohol_serving_licence")
    handlers.claim(desk.deps, desk.case_id, ERIK)
    described = golden_example(domain.COMPLETION_REQUESTED)["data"]["personal"]["documents"]
    [asked] = handlers.request_completion(desk.deps, desk.case_id, ERIK, "Fyll i.", documents=described)
    assert asked.schema_version == 4 and asked.data["document_count"] == 1
    assert asked.data["personal"]["documents"] == described
