"""The vouchers handlers run through the service's own wiring (vouchers.bootstrap) with
in-memory fakes for the store, the read models and the key vault: no store, no broker."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import DayClock
from kernel.domain.actors import Actor
from kernel.eventsourcing.memory_store import InMemoryEventStore
from kernel.privacy.personal import InMemoryKeyVault, PersonalData
from vouchers import handlers
from vouchers.bootstrap import Deps, bootstrap
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain.providers import ApplyAsProvider
from vouchers.domain.upcasters import upcasters
from vouchers.domain.vouchers import CITIZEN, GrantVoucher
from vouchers.readmodels.fakes import InMemoryReadModels
from vouchers.settings import VouchersSettings

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")


@pytest.fixture
def clock() -> DayClock:
    return DayClock(date(2026, 11, 5))


@pytest.fixture
def deps(clock: DayClock) -> Deps:
    read = InMemoryReadModels()
    return bootstrap(
        VouchersSettings.from_env(),
        clock=clock,
        store=InMemoryEventStore(upcasters(), hooks=[read.apply], clock=clock),
        read=read,  # type: ignore[arg-type]
        personal=PersonalData(InMemoryKeyVault()),
        master_key=b"k" * 32,
    )


def approved(deps: Deps, organisation_number: str, programme: str = "hemtjanst") -> str:
    command = ApplyAsProvider(
        programme,
        organisation_number,
        f"Omsorg {organisation_number}",
        "private",
        ["home_care"],
        "omsorg@example.se",
        "Home care in every district.",
    )
    provider_id = handlers.apply_as_provider(deps, command)
    handlers.decide_on_provider(deps, provider_id, "approve", "Meets the criteria", VERA)
    return provider_id


def granted(deps: Deps) -> str:
    command = GrantVoucher(
        "hemtjanst", "home_care", "194001019802", date(1940, 1, 1), "a@example.se", "sv", 20
    )
    return handlers.grant_voucher(deps, command, VERA)


def types(deps: Deps, stream: str) -> list[str]:
    return [e.type for e in deps.store.load(stream)]


def test_the_wiring_takes_the_fakes_it_is_given_and_connects_nothing(deps: Deps) -> None:
    assert deps.db is None and deps.ping() is None
    assert deps.programmes.get("hemtjanst").default_provider
    with pytest.raises(TypeError, match="read models"):
        bootstrap(deps.settings, store=deps.store)


def test_a_provider_applies_once_and_is_approved(deps: Deps) -> None:
    provider_id = approved(deps, "5560360793")
    assert types(deps, f"provider-{provider_id}") == [ev.PROVIDER_APPLIED, ev.PROVIDER_APPROVED]
    assert handlers.load_provider(deps, provider_id).approved_on(deps.clock().date())
    with pytest.raises(Refused, match="already has a approved application"):
        approved(deps, "5560360793")


def test_a_voucher_granted_goes_to_the_default_provider_until_the_citizen_chooses(deps: Deps) -> None:
    default = approved(deps, "5560360793")
    other = approved(deps, "2120000142")
    handlers.designate_default(deps, "hemtjanst", default)
    assert deps.read.default_provider_id("hemtjanst") == default  # kept by the store's hook

    voucher_id = granted(deps)
    [_, assigned] = deps.store.load(f"voucher-{voucher_id}")
    assert (assigned.data["provider_id"], assigned.data["how"]) == (default, "default")

    handlers.choose_provider(deps, voucher_id, other, date(2026, 11, 10), CITIZEN)
    switched = deps.store.load(f"voucher-{voucher_id}")[-1]
    assert switched.type == ev.PROVIDER_SWITCHED and switched.data["provider_id"] == other


def test_a_choice_of_no_provider_and_a_bonus_the_programme_has_not_are_refused(deps: Deps) -> None:
    voucher_id = granted(deps)
    with pytest.raises(Refused, match="no such provider"):
        handlers.choose_provider(deps, voucher_id, "hemtjanst-0000000000", None, CITIZEN)
    with pytest.raises(Refused, match="no outcome bonus"):
        handlers.grant_outcome_bonus(deps, voucher_id, date(2026, 6, 1), VERA)
    with pytest.raises(LookupError):
        handlers.grant_outcome_bonus(deps, "no-such-voucher", date(2026, 6, 1), VERA)


def test_erasing_waits_for_the_voucher_to_run_out_and_destroys_the_citizens_key(
    deps: Deps, clock: DayClock
) -> None:
    voucher_id = granted(deps)
    with pytest.raises(Refused, match="still needs it"):
        handlers.erase_personal_data(deps, voucher_id, "asked by the citizen")
    [grant] = deps.store.load(f"voucher-{voucher_id}")
    clock.day = date.fromisoformat(grant.data["valid_until"]) + timedelta(days=1)
    assert handlers.erase_personal_data(deps, voucher_id, "asked by the citizen")
    assert deps.personal is not None and deps.personal.vault.all_keys()[grant.data["subject_id"]] is None
    assert not handlers.erase_personal_data(deps, voucher_id, "asked by the citizen")  # once
    assert types(deps, f"voucher-{voucher_id}")[-1] == ev.PERSONAL_DATA_ERASED


def test_a_payment_round_with_nothing_redeemed_pays_no_one(deps: Deps) -> None:
    assert handlers.payment_round(deps) == []


def test_the_citizen_cancels_their_switch_once_and_only_before_its_day(deps: Deps, clock: DayClock) -> None:
    default = approved(deps, "5560360793")
    other = approved(deps, "2120000142")
    handlers.designate_default(deps, "hemtjanst", default)
    voucher_id = granted(deps)
    stream = f"voucher-{voucher_id}"
    handlers.choose_provider(deps, voucher_id, other, date(2026, 11, 10), CITIZEN)

    handlers.cancel_switch(deps, voucher_id, CITIZEN)
    cancelled = deps.store.load(stream)[-1]
    assert cancelled.type == ev.SWITCH_CANCELLED
    assert (cancelled.data["provider_id"], cancelled.data["staying_provider_id"]) == (other, default)
    assert cancelled.data["provider_email"] == "omsorg@example.se"
    with pytest.raises(Refused, match="cancelled already"):
        handlers.cancel_switch(deps, voucher_id, CITIZEN)  # the double click: nothing new
    assert types(deps, stream)[-1] == ev.SWITCH_CANCELLED and len(types(deps, stream)) == 4

    handlers.choose_provider(deps, voucher_id, other, date(2026, 11, 10), CITIZEN)
    clock.day = date(2026, 11, 10)
    with pytest.raises(Refused, match="can no longer be cancelled"):
        handlers.cancel_switch(deps, voucher_id, CITIZEN)
    with pytest.raises(LookupError):
        handlers.cancel_switch(deps, "no-such-voucher", CITIZEN)
