"""The vouchers domain with no I/O: grants, choices, redemptions, bonuses, payments and
the published figures.

Kept in one module: a voucher's life step by step, on the same programme and provider fixtures."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from catalogue.programmes import load
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import Envelope, Metadata, NewEvent, seal
from kernel.platform.settings import REPO_ROOT
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain import figures as fig
from vouchers.domain import payments as pay
from vouchers.domain import providers as prov
from vouchers.domain import redemptions as red
from vouchers.domain import vouchers as vou
from vouchers.domain.providers import ApplyAsProvider, Provider
from vouchers.domain.redemptions import Conflict, DeliveryReport
from vouchers.domain.upcasters import upcasters
from vouchers.domain.voucher_state import Voucher
from vouchers.domain.vouchers import CITIZEN, GrantVoucher

VERA = Actor("https://login.kommun.example#vera.officer", "Vera Valfrihetshandläggare")
PROGRAMMES = load(REPO_ROOT / "config" / "voucher_programmes.yaml")
SECRET = b"k" * 32
TODAY = date(2026, 11, 24)


def envelopes(stream: str, first: int, events: list[NewEvent], on: date = TODAY) -> list[Envelope]:
    return seal(stream, first, events, Metadata.new(), datetime(on.year, on.month, on.day, 9, tzinfo=UTC))


def approved_provider(
    programme: str, org: str, categories: list[str], on: date = date(2026, 1, 2)
) -> Provider:
    command = ApplyAsProvider(
        programme, org, f"Provider {org}", "private", categories, "p@example.se", "A provider."
    )
    history = envelopes(
        "p", 1, prov.apply_as_provider(Provider(), command, PROGRAMMES.get(programme), on), on
    )
    provider = Provider.from_history(history)
    history += envelopes(
        "p", 2, prov.decide_on_provider(provider, "approve", "Meets the criteria", VERA, on), on
    )
    return Provider.from_history(history)


class Stream:
    """A voucher's events so far, kept as a test goes."""

    def __init__(self) -> None:
        self.history: list[Envelope] = []

    def add(self, events: list[NewEvent], on: date = TODAY) -> list[Envelope]:
        sealed = envelopes("v", len(self.history) + 1, events, on)
        self.history += sealed
        return sealed

    @property
    def voucher(self) -> Voucher:
        return Voucher.from_history(self.history)


def grant(
    programme: str = "kulturpeng", category: str = "music", born: date = date(2012, 3, 15), **kw
) -> Stream:
    stream = Stream()
    command = GrantVoucher(programme, category, "201203152002", born, "c@example.se", "sv", **kw)
    _, events = vou.grant_voucher(
        command, PROGRAMMES.get(programme), SECRET, VERA, kw.get("valid_from") or TODAY
    )
    stream.add(events, kw.get("valid_from") or TODAY)
    return stream


def test_the_programmes_are_data_with_amounts_in_ore():
    music = PROGRAMMES.get("kulturpeng").category("music")
    assert (music.amount_ore, music.units) == (977600, 32)
    assert PROGRAMMES.get("jobbpeng").outcome_bonus.after_months == 6
    assert PROGRAMMES.get("hemtjanst").default_provider is True


def test_a_grant_checks_the_age_and_fixes_validity_and_value():
    voucher = grant().voucher
    assert (voucher.valid_from, voucher.valid_until) == (TODAY, date(2027, 11, 23))
    assert voucher.period_value_ore == 977600 and voucher.units_per_period == 32
    with pytest.raises(Refused, match="ages 6-19") as refused:
        grant(born=date(1980, 1, 1))
    assert refused.value.field == "personnummer"


def test_home_care_needs_the_granted_hours_and_prices_them():
    with pytest.raises(Refused, match="units per period"):
        grant("hemtjanst", "home_care", born=date(1940, 1, 1))
    voucher = grant("hemtjanst", "home_care", born=date(1940, 1, 1), units_per_period=20).voucher
    assert voucher.period_value_ore == 20 * 42600 and voucher.period == "month"


def test_the_citizen_bucket_is_a_short_prefix_of_a_keyed_hash_that_identifies_nobody():
    bucket = vou.citizen_bucket("201203152002", SECRET)
    assert len(bucket) == 3 and int(bucket, 16) >= 0 and bucket == vou.citizen_bucket("201203152002", SECRET)
    # thousands of personnummer share a bucket: after erasure it cannot tell who the citizen was
    sharing = [n for n in range(200_000) if vou.citizen_bucket(f"2012{n:08d}", SECRET) == bucket]
    assert len(sharing) > 20


def test_a_voucher_granted_in_v1_is_read_with_its_keyed_hash_cut_to_the_bucket():
    _, [granted] = vou.grant_voucher(
        GrantVoucher("kulturpeng", "music", "201203152002", date(2012, 3, 15), "c@example.se", "sv"),
        PROGRAMMES.get("kulturpeng"),
        SECRET,
        VERA,
        TODAY,
    )
    assert granted.schema_version == 5 and "citizen_key" not in granted.data
    assert granted.data["granted_by_id"] == VERA.id
    full = hmac.new(SECRET, b"201203152002", hashlib.sha256).hexdigest()  # what v1 carried
    v1 = {k: v for k, v in granted.data.items() if k not in ("citizen_bucket", "granted_by_id")}
    [old] = envelopes(
        "voucher-x", 1, [NewEvent(ev.VOUCHER_GRANTED, v1 | {"citizen_key": full}, schema_version=1)]
    )
    read = upcasters().upcast(old)
    # the officer of an old grant is known by name only: an id that says so, and matches nobody
    assert read.schema_version == 5
    assert read.data == {**granted.data, "granted_by_id": f"legacy:{VERA.name}"}
    # erasing the citizen rewrites the stored v1 grant to hold no more than v2 does
    redacted = upcasters().redacted(ev.VOUCHER_GRANTED, 1, old.data)
    assert redacted is not None and full not in str(redacted)
    assert upcasters().upcast(old.with_data(redacted, 1)).data == read.data


def test_the_citizens_name_is_sealed_with_the_grant_when_the_officer_gives_it():
    command = GrantVoucher(
        "kulturpeng", "music", "201203152002", date(2012, 3, 15), "c@example.se", "sv", name=" Anna Lind "
    )
    _, [granted] = vou.grant_voucher(command, PROGRAMMES.get("kulturpeng"), SECRET, VERA, TODAY)
    assert granted.data["personal"]["name"] == "Anna Lind"  # in `personal`: sealed, erased with it
    assert "Anna" not in str({k: v for k, v in granted.data.items() if k != "personal"})
    without = replace(command, name="")
    _, [unnamed] = vou.grant_voucher(without, PROGRAMMES.get("kulturpeng"), SECRET, VERA, TODAY)
    assert "name" not in unnamed.data["personal"]
    # a v3 grant (before names) is read as v4, as it was
    [v3] = envelopes("voucher-x", 1, [NewEvent(ev.VOUCHER_GRANTED, unnamed.data, schema_version=3)])
    read = upcasters().upcast(v3)
    assert read.schema_version == 5 and read.data == unnamed.data


def test_with_a_default_provider_the_voucher_is_served_until_the_citizen_chooses():
    default = approved_provider("hemtjanst", "2120000142", ["home_care"])
    command = GrantVoucher(
        "hemtjanst", "home_care", "194001019999", date(1940, 1, 1), "c@example.se", "sv", 20
    )
    _, events = vou.grant_voucher(command, PROGRAMMES.get("hemtjanst"), SECRET, VERA, TODAY, default)
    assert [e.type for e in events] == [ev.VOUCHER_GRANTED, ev.PROVIDER_CHOSEN]
    assert events[1].data["how"] == "default" and events[1].data["provider_id"] == default.provider_id


def test_choose_then_switch_from_a_date_ends_the_first_provider_the_day_before():
    stream = grant()
    first = approved_provider("kulturpeng", "5560360793", ["music"])
    second = approved_provider("kulturpeng", "2120000142", ["music", "dance"])
    stream.add(vou.choose_provider(stream.voucher, first, None, CITIZEN, TODAY))
    with pytest.raises(Refused, match="already with this provider"):
        vou.choose_provider(stream.voucher, first, None, CITIZEN, TODAY)
    with pytest.raises(Refused, match="in the past"):
        vou.choose_provider(stream.voucher, second, date(2026, 11, 1), CITIZEN, TODAY)
    stream.add(vou.choose_provider(stream.voucher, second, date(2026, 12, 1), CITIZEN, TODAY))
    voucher = stream.voucher
    assert voucher.provider_on(date(2026, 11, 30)) == first.provider_id
    assert voucher.provider_on(date(2026, 12, 1)) == second.provider_id
    assert stream.history[-1].type == ev.PROVIDER_SWITCHED
    assert stream.history[-1].data["previous_provider_id"] == first.provider_id


def test_a_provider_not_offering_the_category_or_not_approved_cannot_be_chosen():
    stream = grant()
    dance_only = approved_provider("kulturpeng", "5560360793", ["dance"])
    with pytest.raises(Refused, match="does not offer"):
        vou.choose_provider(stream.voucher, dance_only, None, CITIZEN, TODAY)
    applied = Provider.from_history(
        envelopes(
            "p",
            1,
            prov.apply_as_provider(
                Provider(),
                ApplyAsProvider(
                    "kulturpeng", "2120000142", "New", "non_profit", ["music"], "n@example.se", "New."
                ),
                PROGRAMMES.get("kulturpeng"),
                TODAY,
            ),
        )
    )
    with pytest.raises(Refused, match="not approved"):
        vou.choose_provider(stream.voucher, applied, None, CITIZEN, TODAY)


def chosen(programme: str = "kulturpeng", category: str = "music", **kw) -> tuple[Stream, Provider]:
    stream = grant(programme, category, **kw)
    provider = approved_provider(programme, "5560360793", [category])
    stream.add(vou.choose_provider(stream.voucher, provider, None, CITIZEN, stream.voucher.valid_from))
    return stream, provider


def report(provider: Provider, report_id: str, units: int, on: date = TODAY) -> DeliveryReport:
    return DeliveryReport(provider.provider_id, report_id, units, on)


def test_redemptions_add_up_to_the_value_to_the_ore_and_never_beyond():
    stream, provider = chosen()
    total = 0
    for n in range(32):
        [event] = stream.add(red.redeem(stream.voucher, provider, report(provider, f"r{n}", 1), TODAY))
        total += event.data["amount_ore"]
    assert total == 977600 and stream.voucher.units_left(TODAY) == 0
    with pytest.raises(Refused, match="only 0 units are left") as refused:
        red.redeem(stream.voucher, provider, report(provider, "r-extra", 1), TODAY)
    assert refused.value.field == "units"


def test_a_report_sent_again_is_no_new_redemption_and_a_reused_id_is_a_conflict():
    stream, provider = chosen()
    stream.add(red.redeem(stream.voucher, provider, report(provider, "lesson-1", 2), TODAY))
    assert red.redeem(stream.voucher, provider, report(provider, "lesson-1", 2), TODAY) == []
    with pytest.raises(Conflict):
        red.redeem(stream.voucher, provider, report(provider, "lesson-1", 3), TODAY)


def test_a_delivery_must_be_by_the_chosen_approved_provider_within_validity_and_not_in_the_future():
    stream, provider = chosen()
    other = approved_provider("kulturpeng", "2120000142", ["music"])
    with pytest.raises(Refused, match="had not chosen this provider"):
        red.redeem(stream.voucher, other, report(other, "x", 1), TODAY)
    with pytest.raises(Refused, match="before it happens"):
        red.redeem(stream.voucher, provider, report(provider, "x", 1, date(2026, 11, 25)), TODAY)
    with pytest.raises(Refused, match="valid"):
        red.redeem(stream.voucher, provider, report(provider, "x", 1, date(2026, 11, 1)), TODAY)
    suspended = Provider.from_history(
        [
            *envelopes("p", 1, [NewEvent(ev.PROVIDER_APPLIED, _applied(provider))], date(2026, 1, 2)),
            *envelopes("p", 2, [NewEvent(ev.PROVIDER_APPROVED, _decided(provider, "2026-01-02"))]),
            *envelopes("p", 3, [NewEvent(ev.PROVIDER_SUSPENDED, _decided(provider, "2026-11-24"))]),
        ]
    )
    assert suspended.approved_on(date(2026, 11, 23)) and not suspended.approved_on(TODAY)
    with pytest.raises(Refused, match="not approved on that day"):
        red.redeem(stream.voucher, suspended, report(provider, "x", 1), TODAY)


def _applied(provider: Provider) -> dict:
    return {
        "provider_id": provider.provider_id,
        "programme": provider.programme,
        "name": provider.name,
        "contact_email": provider.contact_email,
        "categories": provider.categories,
        "on": "2026-01-02",
    }


def _decided(provider: Provider, on: str) -> dict:
    return {"provider_id": provider.provider_id, "programme": provider.programme, "reason": "r", "on": on}


def test_monthly_vouchers_have_a_fresh_balance_each_month():
    stream, provider = chosen(
        "hemtjanst", "home_care", born=date(1940, 1, 1), units_per_period=10, valid_from=date(2026, 10, 1)
    )
    stream.add(red.redeem(stream.voucher, provider, report(provider, "oct", 10, date(2026, 10, 31)), TODAY))
    with pytest.raises(Refused, match="only 0 units"):
        red.redeem(stream.voucher, provider, report(provider, "oct-2", 1, date(2026, 10, 30)), TODAY)
    [event] = red.redeem(stream.voucher, provider, report(provider, "nov", 4, date(2026, 11, 2)), TODAY)
    assert event.data["amount_ore"] == 4 * 42600 and event.data["period_key"] == "2026-11"


def test_the_outcome_bonus_is_due_after_six_months_self_supporting_and_granted_once():
    stream, provider = chosen("jobbpeng", "basic", born=date(1990, 1, 1), valid_from=date(2026, 1, 5))
    with pytest.raises(Refused, match="due after 6 months"):
        red.grant_outcome_bonus(stream.voucher, PROGRAMMES.get("jobbpeng"), date(2026, 6, 1), VERA, TODAY)
    [event] = stream.add(
        red.grant_outcome_bonus(stream.voucher, PROGRAMMES.get("jobbpeng"), date(2026, 5, 1), VERA, TODAY)
    )
    assert event.data["amount_ore"] == 1_500_000 and event.data["provider_id"] == provider.provider_id
    with pytest.raises(Refused, match="already granted"):
        red.grant_outcome_bonus(stream.voucher, PROGRAMMES.get("jobbpeng"), date(2026, 5, 1), VERA, TODAY)


def test_provider_decisions_follow_the_allowed_transitions_and_need_a_reason():
    provider = approved_provider("kulturpeng", "5560360793", ["music"])
    with pytest.raises(Refused, match="cannot be given the decision 'approve'"):
        prov.decide_on_provider(provider, "approve", "again", VERA, TODAY)
    with pytest.raises(Refused, match="reason"):
        prov.decide_on_provider(provider, "suspend", " ", VERA, TODAY)
    [event] = prov.decide_on_provider(provider, "revoke", "Broke the agreement", VERA, TODAY)
    assert event.type == ev.PROVIDER_REVOKED
    # who decided: the officer's issuer and subject, her name only shown
    assert event.data["decided_by_id"] == VERA.id and event.data["decided_by"] == VERA.name
    [old] = envelopes("provider-x", 1, [NewEvent(event.type, {**event.data, "decided_by_id": "x"})])
    v1 = replace(old, schema_version=1, data={k: v for k, v in event.data.items() if k != "decided_by_id"})
    assert upcasters().upcast(v1).data["decided_by_id"] == f"legacy:{VERA.name}"


def test_a_payment_has_one_line_per_redemption_and_only_ended_months_are_paid():
    with pytest.raises(Refused, match="ended"):
        pay.check_month("2026-11", TODAY)
    pay.check_month("2026-10", TODAY)
    provider = {"_id": "p1", "name": "P", "contact_email": "p@e.se", "programme": "kulturpeng"}
    lines = [
        {
            "kind": "delivery",
            "voucher_id": "v2",
            "report_id": "b",
            "units": 1,
            "delivered_on": "2026-10-03",
            "amount_ore": 30550,
        },
        {
            "kind": "bonus",
            "voucher_id": "v1",
            "report_id": "outcome-bonus",
            "units": 0,
            "delivered_on": None,
            "amount_ore": 100,
        },
    ]
    [event] = pay.make_payment(provider, "2026-10", lines, TODAY)
    assert event.data["total_ore"] == 30650 and event.data["payment_id"] == "p1-2026-10"
    assert [line["kind"] for line in event.data["lines"]] == ["bonus", "delivery"]
    assert pay.make_payment(provider, "2026-10", [], TODAY) == []


def test_the_comparison_counts_choosers_switches_waits_and_delivery_on_equal_terms():
    programme = PROGRAMMES.get("hemtjanst")
    providers = [
        {
            "_id": "a",
            "name": "Alfa Omsorg",
            "ownership": "private",
            "status": "approved",
            "categories": ["home_care"],
        },
        {
            "_id": "b",
            "name": "Kommunens hemtjänst",
            "ownership": "municipal",
            "status": "approved",
            "categories": ["home_care"],
        },
        {
            "_id": "c",
            "name": "Rejected AB",
            "ownership": "private",
            "status": "rejected",
            "categories": ["home_care"],
        },
    ]
    base = {
        "period": "month",
        "units_per_period": 10,
        "valid_from": "2026-09-01",
        "valid_until": "2027-08-31",
    }
    vouchers = [
        {
            **base,
            "_id": "v1",
            "tenures": [
                {"provider_id": "b", "since": "2026-09-01", "until": "2026-09-30", "how": "default"},
                {"provider_id": "a", "since": "2026-10-01", "until": None, "how": "switched"},
            ],
        },
        {
            **base,
            "_id": "v2",
            "tenures": [{"provider_id": "b", "since": "2026-09-01", "until": None, "how": "chosen"}],
        },
    ]
    deliveries = {
        ("v1", "a"): {"first": "2026-10-05", "units": 18},
        ("v2", "b"): {"first": "2026-09-03", "units": 25},
    }
    figures = fig.comparison(programme, providers, vouchers, deliveries, TODAY)
    rows = {r["provider_id"]: r for r in figures["providers"]}
    assert set(rows) == {"a", "b"}
    assert rows["a"]["choosers_now"] == 1 and rows["a"]["switch_in_rate"] == 1.0
    assert (
        rows["b"]["switched_out"] == 1
        and rows["b"]["switch_out_rate"] == 0.5
        and rows["b"]["choosers_now"] == 1
    )
    assert (
        rows["a"]["median_wait_days"] == 4 and rows["b"]["waiting_now"] == 0
    )  # v1's month with b had no delivery, but b no longer holds v1: no one waits for b
    assert rows["a"]["granted_units"] == 20 and rows["a"]["delivered_units"] == 18  # October and November
    assert rows["b"]["granted_units"] == 10 + 30
    assert figures["by_ownership"] == {"private": ["a"], "municipal": ["b"]}


def test_budget_follow_up_forecasts_the_year_from_the_days_gone():
    programme = PROGRAMMES.get("kulturpeng")
    follow_up = fig.budget_follow_up(
        programme, 2026, {"2026-01": 100_000, "2026-11": 50_000}, {"2026-01": 100_000}, date(2026, 12, 31)
    )
    assert follow_up["redeemed_ore"] == 150_000 and follow_up["paid_ore"] == 100_000
    assert follow_up["forecast_ore"] == 150_000 and len(follow_up["months"]) == 12
    assert follow_up["share_used"] == round(150_000 / programme.budget_ore, 3)


def test_a_citizens_personal_data_is_erased_once_after_the_voucher_ran_out_and_the_retention():
    command = GrantVoucher("kulturpeng", "music", "201203152002", date(2012, 3, 15), "c@example.se", "sv")
    voucher_id, events = vou.grant_voucher(command, PROGRAMMES.get("kulturpeng"), SECRET, VERA, TODAY)
    history = envelopes(vou.stream_id_for(voucher_id), 1, events)
    voucher = Voucher.from_history(history)
    last_day = voucher.valid_until
    with pytest.raises(Refused, match="still needs it"):
        vou.erase_personal_data(voucher, last_day, "retention")
    assert not vou.erasure_due(voucher, last_day + timedelta(days=730), 730)
    assert vou.erasure_due(voucher, last_day + timedelta(days=731), 730)

    [erased] = vou.erase_personal_data(voucher, last_day + timedelta(days=731), "retention")
    assert erased.type == ev.PERSONAL_DATA_ERASED
    assert erased.data["subject_id"] == history[0].data["subject_id"] and erased.data["reason"] == "retention"
    after = Voucher.from_history([*history, *envelopes(vou.stream_id_for(voucher_id), 2, [erased])])
    assert after.personal_erased and after.citizen_bucket == ""
    assert vou.erase_personal_data(after, last_day + timedelta(days=800), "retention") == []  # once
    assert not vou.erasure_due(after, last_day + timedelta(days=800), 730)


def test_a_grant_is_told_every_rule_it_breaks_each_with_its_message_key():
    kulturpeng = PROGRAMMES.get("kulturpeng")
    music = kulturpeng.category("music")
    refusals = vou.grant_refusals(kulturpeng, music, date(1980, 1, 1), 5, TODAY)
    assert [(r.field, r.key) for r in refusals] == [
        ("personnummer", "refused.ages"),
        ("units_per_period", "refused.fixed_units"),
    ]
    assert str(refusals[0]) == "kulturpeng is for ages 6-19"  # the API's English, as before
    assert refusals[0].params == {"programme": "kulturpeng", "min": 6, "max": 19}
    assert vou.grant_refusals(kulturpeng, music, None, None, TODAY) == []  # no birth date: not checked
    hemtjanst = PROGRAMMES.get("hemtjanst")
    [needed] = vou.grant_refusals(hemtjanst, next(iter(hemtjanst.categories.values())), None, None, TODAY)
    assert needed.key == "refused.units_needed"


def scheduled_switch() -> tuple[Stream, Provider, Provider]:
    stream = grant()
    first = approved_provider("kulturpeng", "5560360793", ["music"])
    second = approved_provider("kulturpeng", "2120000142", ["music"])
    stream.add(vou.choose_provider(stream.voucher, first, None, CITIZEN, TODAY))
    stream.add(vou.choose_provider(stream.voucher, second, date(2026, 12, 1), CITIZEN, TODAY))
    return stream, first, second


def test_a_scheduled_switch_is_cancelled_before_its_day_and_the_voucher_stays_where_it_is():
    stream, first, second = scheduled_switch()
    assert stream.voucher.scheduled_switch(TODAY).provider_id == second.provider_id
    [cancelled] = stream.add(vou.cancel_switch(stream.voucher, second, CITIZEN, date(2026, 11, 30)))
    assert cancelled.type == ev.SWITCH_CANCELLED
    assert cancelled.data["provider_id"] == second.provider_id
    assert cancelled.data["staying_provider_id"] == first.provider_id
    assert cancelled.data["effective_from"] == "2026-12-01"
    assert cancelled.data["provider_email"] == "p@example.se"
    assert (cancelled.data["cancelled_by"], cancelled.data["cancelled_by_id"]) == ("citizen", "citizen:self")
    voucher = stream.voucher
    assert voucher.provider_on(date(2026, 12, 1)) == first.provider_id
    assert [t.provider_id for t in voucher.tenures] == [first.provider_id]
    assert voucher.tenures[-1].until is None and voucher.scheduled_switch(TODAY) is None
    # the citizen may schedule a switch again afterwards
    stream.add(vou.choose_provider(voucher, second, date(2026, 12, 15), CITIZEN, TODAY))
    assert stream.voucher.provider_on(date(2026, 12, 15)) == second.provider_id


def test_a_second_cancel_is_told_so_and_changes_nothing():
    stream, _, second = scheduled_switch()
    stream.add(vou.cancel_switch(stream.voucher, second, CITIZEN, TODAY))
    before = len(stream.history)
    with pytest.raises(Refused, match="cancelled already") as refused:
        vou.cancel_switch(stream.voucher, second, CITIZEN, TODAY)
    assert refused.value.key == "refused.switch_cancelled_already" and refused.value.field is None
    assert len(stream.history) == before


def test_only_a_switch_still_to_come_can_be_cancelled():
    stream, first, second = scheduled_switch()
    with pytest.raises(Refused, match="can no longer be cancelled") as refused:
        vou.cancel_switch(stream.voucher, second, CITIZEN, date(2026, 12, 1))
    assert refused.value.key == "refused.switch_started"
    assert refused.value.params == {"day": date(2026, 12, 1)}
    only_chosen = grant()
    only_chosen.add(vou.choose_provider(only_chosen.voucher, first, None, CITIZEN, TODAY))
    with pytest.raises(Refused, match="no switch") as refused:
        vou.cancel_switch(only_chosen.voucher, first, CITIZEN, TODAY)
    assert refused.value.key == "refused.no_switch"
    with pytest.raises(Refused, match="no switch"):
        vou.cancel_switch(grant().voucher, first, CITIZEN, TODAY)
    with pytest.raises(LookupError):
        vou.cancel_switch(Voucher(), first, CITIZEN, TODAY)


def test_a_voucher_that_would_have_ended_before_today_is_not_granted():
    kulturpeng = PROGRAMMES.get("kulturpeng")
    music = kulturpeng.category("music")
    [ended] = vou.grant_refusals(kulturpeng, music, None, None, TODAY, date(2020, 1, 1))
    assert ended.field == "valid_from" and ended.key == "refused.ended_already"
    assert vou.grant_refusals(kulturpeng, music, None, None, TODAY, TODAY) == []
