"""Contracts of the vouchers events: the real domain code's events match them, and
notify writes an email from every golden example it emails about."""

from __future__ import annotations

from datetime import UTC, date, datetime

from catalogue.programmes import load
from kernel.domain.actors import Actor
from kernel.eventsourcing import contracts
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent, seal
from kernel.platform.settings import REPO_ROOT
from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from notify.domain.messages import VOUCHER_EMAILS, voucher_emails
from vouchers.domain import events as ev
from vouchers.domain import payments as pay
from vouchers.domain import providers as prov
from vouchers.domain import redemptions as red
from vouchers.domain import vouchers as vou
from vouchers.domain.providers import ApplyAsProvider, Provider
from vouchers.domain.redemptions import DeliveryReport
from vouchers.domain.voucher_state import Voucher
from vouchers.domain.vouchers import CITIZEN, GrantVoucher

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
PROGRAMMES = load(REPO_ROOT / "config" / "voucher_programmes.yaml")
PERSONAL = PersonalData(InMemoryKeyVault())
TODAY = date(2026, 11, 24)


class Streams:
    def __init__(self) -> None:
        self.produced: list[Envelope] = []
        self.streams: dict[str, list[Envelope]] = {}

    def add(self, stream: str, events: list[NewEvent], on: date = TODAY) -> list[Envelope]:
        history = self.streams.setdefault(stream, [])
        at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
        sealed = seal(stream, len(history) + 1, events, Metadata.new(), at)
        history += sealed
        self.produced += sealed
        return history


def provider(s: Streams, programme: str, org: str, categories: list[str], decisions: list[str]) -> Provider:
    stream = f"provider-{programme}-{org}"
    command = ApplyAsProvider(
        programme, org, f"P {org}", "non_profit", categories, "p@example.se", "Provides."
    )
    history = s.add(
        stream,
        prov.apply_as_provider(Provider(), command, PROGRAMMES.get(programme), date(2026, 1, 2)),
        date(2026, 1, 2),
    )
    for decision in decisions:
        history = s.add(
            stream,
            prov.decide_on_provider(
                Provider.from_history(history), decision, "Reason.", VERA, date(2026, 1, 2)
            ),
            date(2026, 1, 2),
        )
    return Provider.from_history(history)


def test_vouchers_producers_events_match_the_contracts():
    s = Streams()
    home = provider(s, "hemtjanst", "2120000142", ["home_care"], ["approve"])
    s.add("programme-hemtjanst", prov.designate_default(home, PROGRAMMES.get("hemtjanst"), TODAY))
    s.add(
        f"provider-{home.provider_id}",
        prov.record_quality(home, PROGRAMMES.get("hemtjanst"), "satisfaction", 91, "2026", VERA, TODAY),
    )
    provider(s, "hemtjanst", "5567037485", ["home_care"], ["reject"])
    other = provider(s, "hemtjanst", "5560360793", ["home_care"], ["approve", "suspend", "reinstate"])
    command = GrantVoucher(
        "hemtjanst", "home_care", "194001019999", date(1940, 1, 1), "k@example.se", "sv", 20, date(2026, 1, 5)
    )
    voucher_id, events = vou.grant_voucher(
        command, PROGRAMMES.get("hemtjanst"), b"k" * 32, VERA, date(2026, 1, 5), home
    )
    stream = vou.stream_id_for(voucher_id)
    history = s.add(stream, events, date(2026, 1, 5))
    history = s.add(
        stream,
        red.redeem(
            Voucher.from_history(history),
            home,
            DeliveryReport(home.provider_id, "r1", 5, date(2026, 1, 20)),
            TODAY,
        ),
    )
    history = s.add(
        stream, vou.choose_provider(Voucher.from_history(history), other, date(2026, 12, 1), CITIZEN, TODAY)
    )
    history = s.add(stream, vou.cancel_switch(Voucher.from_history(history), other, CITIZEN, TODAY))
    history = s.add(
        stream, vou.choose_provider(Voucher.from_history(history), other, date(2026, 12, 1), CITIZEN, TODAY)
    )
    jobb = provider(s, "jobbpeng", "2120000142", ["basic"], ["approve"])
    command = GrantVoucher(
        "jobbpeng", "basic", "197707071002", date(1977, 7, 7), "a@example.se", "en", None, date(2026, 1, 5)
    )
    job_id, events = vou.grant_voucher(command, PROGRAMMES.get("jobbpeng"), b"k" * 32, VERA, date(2026, 1, 5))
    jhistory = s.add(vou.stream_id_for(job_id), events, date(2026, 1, 5))
    jhistory = s.add(
        vou.stream_id_for(job_id),
        vou.choose_provider(Voucher.from_history(jhistory), jobb, None, CITIZEN, date(2026, 1, 5)),
        date(2026, 1, 5),
    )
    jhistory = s.add(
        vou.stream_id_for(job_id),
        red.grant_outcome_bonus(
            Voucher.from_history(jhistory), PROGRAMMES.get("jobbpeng"), date(2026, 3, 1), VERA, TODAY
        ),
    )
    s.add(
        vou.stream_id_for(job_id),
        vou.erase_personal_data(Voucher.from_history(jhistory), date(2029, 1, 2), "retention"),
        date(2029, 1, 2),
    )
    provider_doc = {
        "_id": home.provider_id,
        "name": home.name,
        "contact_email": home.contact_email,
        "programme": "hemtjanst",
    }
    line = {
        "kind": "delivery",
        "voucher_id": voucher_id,
        "report_id": "r1",
        "units": 5,
        "delivered_on": "2026-01-20",
        "amount_ore": 213000,
    }
    s.add("payment-x", pay.make_payment(provider_doc, "2026-10", [line], TODAY))
    s.add(f"provider-{other.provider_id}", prov.decide_on_provider(other, "revoke", "Ended.", VERA, TODAY))

    produced = s.produced
    assert {e.type for e in produced} == {t for t in contracts_types() if t.startswith("vouchers.")}
    for envelope in produced:
        contracts.validate_personal(envelope)
        contracts.validate(Envelope.from_json(PERSONAL.seal_event(envelope).to_json()))


def contracts_types() -> set[str]:
    return {p.parent.name for p in contracts.CONTRACTS_DIR.glob("events/*/v*.schema.json")}


def test_notify_writes_an_email_from_every_vouchers_golden_example_it_emails_about():
    citizen = {"email": "karin@example.se", "language": "sv"}
    # the providers the events name by id, as their applications gave them (notify.readmodels.providers)
    applied = golden_example(ev.PROVIDER_APPLIED)["data"]
    providers = {applied["provider_id"]: {"name": applied["name"], "email": applied["contact_email"]}}
    for event_type in VOUCHER_EMAILS:
        event = Envelope.from_dict(golden_example(event_type))
        emails = voucher_emails(event, citizen, "http://vouchers", None, providers)
        assert emails and all(e.subject and e.to for e in emails), event_type
    assert ev.PAYMENT_MADE in VOUCHER_EMAILS
