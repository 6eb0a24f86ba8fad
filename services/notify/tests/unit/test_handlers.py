"""notify's handlers through its real wiring (notify.bootstrap) on in-memory fakes: who is
written to for which event, once, and nothing readable left after an erasure."""

from __future__ import annotations

import uuid

import pytest

from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope
from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from notify.bootstrap import Deps, bootstrap
from notify.handlers import handlers
from notify.readmodels.fakes import InMemoryOutbox, InMemoryRecipients
from notify.settings import NotifySettings


@pytest.fixture
def deps() -> Deps:
    personal = PersonalData(InMemoryKeyVault())
    return bootstrap(
        NotifySettings.from_env(),
        personal=personal,
        recipients=InMemoryRecipients(personal),
        outbox=InMemoryOutbox(personal),
    )


def event(event_type: str, case_id: str, **data: object) -> Envelope:
    raw = golden_example(event_type)
    raw["event_id"] = str(uuid.uuid4())
    raw["data"]["inquiry_id" if event_type == "intake.inquiry_submitted" else "case_id"] = case_id
    raw["data"].update(data)
    return Envelope.from_dict(raw)


def handle(deps: Deps, envelope: Envelope) -> None:
    handlers(deps)[envelope.type](envelope, None)


def test_the_applicant_gets_a_receipt_and_a_decision_once_each(deps):
    case_id = str(uuid.uuid4())
    submitted = event("intake.inquiry_submitted", case_id)
    address = submitted.data["personal"]["contact"]["email"]
    for envelope in (submitted, submitted, event("business_desk.case_decided", case_id)):
        handle(deps, envelope)
    letters = deps.outbox.letters()
    assert [letter["to"] for letter in letters] == [address, address]
    assert len({mail["template"] for mail in deps.outbox.mails.values()}) == 2


def test_a_case_event_before_its_inquiry_is_retried_rather_than_written_to_nobody(deps):
    with pytest.raises(LookupError, match="no contact details yet"):
        handle(deps, event("business_desk.case_decided", str(uuid.uuid4())))
    assert deps.outbox.mails == {}


def test_after_an_erasure_nothing_of_the_applicant_is_readable_or_sent(deps):
    case_id = str(uuid.uuid4())
    submitted = event("intake.inquiry_submitted", case_id)
    handle(deps, submitted)
    subject_id = submitted.data["subject_id"]
    deps.personal.vault.erase(subject_id, "retention")
    handle(deps, event("business_desk.personal_data_erased", case_id, subject_id=subject_id))
    assert deps.outbox.letters() == []
    assert {mail["status"] for mail in deps.outbox.mails.values()} == {"erased"}
    # a later event's personal part opens to None (its key is gone): nobody to write to
    handle(deps, event("business_desk.case_decided", case_id, personal=None))
    assert deps.outbox.letters() == []


def test_fakes_given_need_the_personal_data_they_seal_with():
    personal = PersonalData(InMemoryKeyVault())
    with pytest.raises(TypeError):
        fakes = {"recipients": InMemoryRecipients(personal), "outbox": InMemoryOutbox(personal)}
        bootstrap(NotifySettings.from_env(), **fakes)
