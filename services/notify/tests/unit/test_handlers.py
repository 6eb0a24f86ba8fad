"""notify's handlers through its real wiring (notify.bootstrap) on in-memory fakes: who is
written to for which event, once, and nothing readable left after an erasure."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

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
        clock=lambda: datetime(2026, 11, 26, 9, tzinfo=UTC),  # two days after the golden events
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


@pytest.fixture
def danish_deps(monkeypatch) -> Deps:
    from kernel.platform.settings import REPO_ROOT

    monkeypatch.setenv("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.dk.yaml"))
    personal = PersonalData(InMemoryKeyVault())
    return bootstrap(
        NotifySettings.from_env(),
        personal=personal,
        recipients=InMemoryRecipients(personal),
        outbox=InMemoryOutbox(personal),
    )


def golden(event_type: str, **data: object) -> Envelope:
    raw = golden_example(event_type)
    raw["event_id"] = str(uuid.uuid4())
    raw["data"].update(data)
    return Envelope.from_dict(raw)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sent(deps: Deps, event_type: str) -> dict[str, dict]:
    """The letters queued for the event type, by template."""
    return {
        mail["template"]: deps.outbox._letters.letter(mail)
        for mail in deps.outbox.mails.values()
        if mail["event_type"] == event_type
    }


def test_the_provider_a_citizen_leaves_hears_from_which_day_at_its_application_s_address(deps):
    handle(deps, golden("vouchers.provider_applied"))  # hemtjanst-2120000142, the provider left
    handle(deps, golden("vouchers.voucher_granted"))
    handle(deps, golden("vouchers.provider_switched"))
    letters = sent(deps, "vouchers.provider_switched")
    assert {t: letter["to"] for t, letter in letters.items()} == {
        "provider_switched": "karin@hem.example.se",
        "provider_new_choice": "info@alfaomsorg.example.se",
        "provider_citizen_left": "hemtjanst@kommun.example.se",
    }
    left = letters["provider_citizen_left"]
    assert "från och med 1 dec. 2026" in left["body"] and "till och med 30 nov. 2026" in left["body"]
    assert not UUID.search(left["subject"] + left["body"]) and "194001019999" not in left["body"]


def test_a_provider_notify_has_no_address_for_is_not_written_to_and_the_others_are(deps):
    handle(deps, golden("vouchers.voucher_granted"))
    handle(deps, golden("vouchers.provider_switched"))
    assert set(sent(deps, "vouchers.provider_switched")) == {"provider_switched", "provider_new_choice"}


def test_a_cancelled_switch_is_confirmed_to_the_citizen_and_called_off_to_the_provider(deps):
    handle(deps, golden("vouchers.voucher_granted"))
    cancelled = golden("vouchers.switch_cancelled")
    handle(deps, cancelled)
    handle(deps, cancelled)  # the same event again: no second letter
    letters = sent(deps, "vouchers.switch_cancelled")
    assert len([m for m in deps.outbox.mails.values() if m["event_type"] == cancelled.type]) == 2
    assert letters["switch_cancelled"]["to"] == "karin@hem.example.se"
    assert letters["switch_cancelled"]["subject"] == "Ditt byte av utförare är ångrat"
    assert "Alfa Omsorg AB" in letters["switch_cancelled"]["body"]
    off = letters["provider_switch_cancelled"]
    assert off["to"] == "info@alfaomsorg.example.se" and "har ångrat bytet" in off["body"]
    for letter in letters.values():
        assert not UUID.search(letter["subject"] + letter["body"]) and "194001019999" not in letter["body"]


def test_an_approved_provider_hears_of_it_but_not_of_an_approval_long_past(deps):
    handle(deps, golden("vouchers.provider_applied"))
    handle(deps, golden("vouchers.provider_approved"))
    [approved] = sent(deps, "vouchers.provider_approved").values()
    assert approved["to"] == "hemtjanst@kommun.example.se"
    assert approved["subject"] == "Er ansökan är godkänd (Hemtjänst)"
    assert "Kommunens hemtjänst är godkänd som utförare" in approved["body"]
    assert not UUID.search(approved["body"]) and "2120000142" not in approved["body"]
    raw = golden_example("vouchers.provider_approved")
    old = Envelope.from_dict(
        {**raw, "event_id": str(uuid.uuid4()), "occurred_at": "2026-01-02T09:00:00+00:00"}
    )
    handle(deps, old)  # read again from the topic's start after a deployment: no news
    assert len(sent(deps, "vouchers.provider_approved")) == 1


def test_a_danish_citizen_hears_of_their_voucher_in_danish_with_danish_kroner_and_dates(danish_deps):
    personal = {"personnummer": "194001019999", "email": "karen@hjem.example.dk", "name": "Karen Holm"}
    granted = golden("vouchers.voucher_granted", language="da", personal=personal)  # v5: da allowed
    assert granted.schema_version == 5
    handle(danish_deps, granted)
    [letter] = danish_deps.outbox.letters()
    assert letter["to"] == "karen@hjem.example.dk" and letter["subject"] == "Du har fået bevilget Hjemmehjælp"
    body = letter["body"].replace("\xa0", " ")
    assert "1. nov. 2026" in body and "31. okt. 2027" in body and "2026-11-01" not in body
    assert "8.520,00 kr." in body and "8 520" not in body


def test_a_provider_hears_of_a_payment_in_the_deployments_language_and_money(deps, danish_deps):
    payment = golden("vouchers.payment_made")
    handle(danish_deps, payment)
    [danish] = danish_deps.outbox.letters()
    text = danish["body"].replace("\xa0", " ")
    assert "Med venlig hilsen" in text and "7.668,00 kr." in text and "31. okt. 2026" in text
    handle(deps, payment)  # a Swedish deployment's provider: Swedish, in kronor
    [swedish] = deps.outbox.letters()
    text = swedish["body"].replace("\xa0", " ")
    assert "Med vänlig hälsning" in text and "7 668,00 kr" in text and "31 okt. 2026" in text
