"""A citizen's voucher: granted by the municipality, spent with the provider the citizen
chose (or the default provider), redeemed per delivered unit, never beyond its value
and never twice for the same delivery (redemptions). Here: granting it, the citizen's
choice of provider, and the erasure of their personal data; its state is voucher_state's."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from catalogue.programmes import Programme
from kernel.domain.actors import Actor
from kernel.eventsourcing.envelope import NewEvent
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain.months import add_months, age_on
from vouchers.domain.providers import Provider
from vouchers.domain.voucher_state import Voucher


def stream_id_for(voucher_id: str) -> str:
    return f"voucher-{voucher_id}"


# `chosen_by` when the voucher's own citizen chose: they are its data subject already, so
# the event names no one (no name, no sign-in subject that would outlive their erasure).
CITIZEN = Actor("citizen:self", "citizen")
BUCKET_HEX_DIGITS = 3  # 4,096 buckets


def citizen_bucket(personnummer: str, secret: bytes) -> str:
    """Which of 4,096 buckets the citizen's vouchers are in: the first hex digits of a keyed
    hash of the personnummer. Kept in the clear (in the event and the read model) to find
    the candidates when the citizen signs in; each candidate is then matched by a hash
    keyed with its own subject's data key. After erasure only the bucket remains, which
    thousands of personnummer share: it identifies nobody."""
    digest = hmac.new(secret, personnummer.encode(), hashlib.sha256).hexdigest()
    return digest[:BUCKET_HEX_DIGITS]


@dataclass(frozen=True)
class GrantVoucher:
    programme: str
    category: str
    personnummer: str  # validated, compact (12 digits)
    birth_date: date
    email: str
    language: str
    units_per_period: int | None = None  # where the category leaves it to the grant (home care hours)
    valid_from: date | None = None
    name: str = ""  # the citizen's name, optional: sealed; a provider sees its initials only


def grant_refusals(
    programme: Programme,
    category: Any,
    birth_date: date | None,
    units_per_period: int | None,
    today: date,
    valid_from: date | None = None,
) -> list[Refused]:
    """Every rule a grant breaks (the age limits; the units the category fixes or the grant
    must give; a voucher that would have ended before today), all of them, for a form to
    show at once; a birth date not known is not checked."""
    refusals = []
    if valid_from is not None:
        ends = add_months(valid_from, programme.validity_months) - timedelta(days=1)
        if ends < today:
            message = f"a voucher valid from {valid_from} would have ended on {ends}"
            refusals.append(Refused(message, "valid_from", "refused.ended_already", day=ends))
    limits = {"programme": programme.id, "min": programme.age_min, "max": programme.age_max}
    if birth_date is not None:
        age = age_on(birth_date, today)
        too_young = programme.age_min is not None and age < programme.age_min
        if too_young or (programme.age_max is not None and age > programme.age_max):
            message = f"{programme.id} is for ages {programme.age_min}-{programme.age_max}"
            refusals.append(Refused(message, "personnummer", "refused.ages", **limits))
    if category.units is not None and units_per_period not in (None, category.units):
        message = f"{category.id} always grants {category.units} units per period"
        refusals.append(Refused(message, "units_per_period", "refused.fixed_units", units=category.units))
    units = category.units or units_per_period
    if not units or units < 1:
        message = "this programme needs the granted units per period"
        refusals.append(Refused(message, "units_per_period", "refused.units_needed"))
    return refusals


def grant_voucher(
    command: GrantVoucher,
    programme: Programme,
    secret: bytes,
    by: Actor,
    today: date,
    default_provider: Provider | None = None,
    voucher_id: str | None = None,
) -> tuple[str, list[NewEvent]]:
    """The grant's events and its voucher's id (`voucher_id` where the caller chose it: a form's
    idempotency key, so the same form sent twice grants once)."""
    category = programme.category(command.category)
    refusals = grant_refusals(
        programme, category, command.birth_date, command.units_per_period, today, command.valid_from
    )
    if refusals:
        raise refusals[0]
    units = category.units or command.units_per_period
    valid_from = command.valid_from or today
    valid_until = add_months(valid_from, programme.validity_months) - timedelta(days=1)
    voucher_id = voucher_id or str(uuid.uuid4())
    events = [
        NewEvent(
            ev.VOUCHER_GRANTED,
            {
                "voucher_id": voucher_id,
                "programme": programme.id,
                "category": category.id,
                "citizen_bucket": citizen_bucket(command.personnummer, secret),
                "period": programme.period,
                "units_per_period": units,
                "period_value_ore": category.period_value(units),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "language": command.language,
                "granted_by": by.name,
                "granted_by_id": by.id,
                "on": today.isoformat(),
                "subject_id": str(uuid.uuid4()),
                "personal": {
                    "personnummer": command.personnummer,
                    "email": command.email,
                    **({"name": command.name.strip()} if command.name.strip() else {}),
                },
            },
            schema_version=5,
        )
    ]
    if default_provider is not None and default_provider.offers(category.id):
        events.append(
            _tenure_event(
                ev.PROVIDER_CHOSEN,
                voucher_id,
                programme.id,
                default_provider,
                valid_from,
                "default",
                by,
                None,
            )
        )
    return voucher_id, events


def _tenure_event(
    event_type: str,
    voucher_id: str,
    programme: str,
    provider: Provider,
    effective_from: date,
    how: str,
    by: Actor,
    previous: str | None,
) -> NewEvent:
    data: dict[str, Any] = {
        "voucher_id": voucher_id,
        "programme": programme,
        "provider_id": provider.provider_id,
        "provider_name": provider.name,
        "provider_email": provider.contact_email,
        "effective_from": effective_from.isoformat(),
        "how": how,
        "chosen_by": by.name,
        "chosen_by_id": by.id,
    }
    if previous is not None:
        data["previous_provider_id"] = previous
    return NewEvent(event_type, data, schema_version=2)


def choose_provider(
    voucher: Voucher, provider: Provider, effective_from: date | None, by: Actor, today: date
) -> list[NewEvent]:
    """The citizen's choice: the first one, or a switch effective from a date."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    if today > voucher.valid_until:
        raise Refused(f"the voucher ran out on {voucher.valid_until}")
    if provider.programme != voucher.programme or not provider.offers(voucher.category):
        raise Refused(
            "the provider does not offer this voucher's programme and category",
            "provider_id",
            "refused.not_offered",
        )
    if not provider.approved_on(today):
        raise Refused("the provider is not approved at present", "provider_id", "refused.not_approved_now")
    start = effective_from or today
    if start > voucher.valid_until:
        raise Refused(
            f"the voucher runs out on {voucher.valid_until}",
            "effective_from",
            "refused.runs_out",
            day=voucher.valid_until,
        )
    if not voucher.tenures:
        if start < today:
            raise Refused("a choice cannot take effect in the past", "effective_from", "refused.in_the_past")
        start = max(start, voucher.valid_from)
        return [
            _tenure_event(
                ev.PROVIDER_CHOSEN, voucher.voucher_id, voucher.programme, provider, start, "chosen", by, None
            )
        ]
    current = voucher.tenures[-1]
    if current.provider_id == provider.provider_id:
        raise Refused("the voucher is already with this provider", "provider_id", "refused.same_provider")
    if start < today:
        raise Refused("a switch cannot take effect in the past", "effective_from", "refused.in_the_past")
    if start <= current.since:
        raise Refused(
            f"a switch must take effect after {current.since}",
            "effective_from",
            "refused.after_current",
            day=current.since,
        )
    return [
        _tenure_event(
            ev.PROVIDER_SWITCHED,
            voucher.voucher_id,
            voucher.programme,
            provider,
            start,
            "switched",
            by,
            current.provider_id,
        )
    ]


def cancel_switch(voucher: Voucher, provider: Provider, by: Actor, today: date) -> list[NewEvent]:
    """The citizen takes back a switch they scheduled: only before its day, and only one
    still scheduled (a second cancel, a double click, is told so and changes nothing). The
    voucher stays with the provider it is with; `provider` is the one the switch was to."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    coming = voucher.tenures[-1] if voucher.tenures else None
    if coming is None or coming.how != "switched":
        if voucher.cancelled_switch is not None:
            raise Refused("the switch was cancelled already", None, "refused.switch_cancelled_already")
        raise Refused("there is no switch of provider to cancel", None, "refused.no_switch")
    if coming.since <= today:
        raise Refused(
            f"the switch took effect on {coming.since}: it can no longer be cancelled",
            None,
            "refused.switch_started",
            day=coming.since,
        )
    if provider.provider_id != coming.provider_id:
        raise LookupError("no such provider")
    return [
        NewEvent(
            ev.SWITCH_CANCELLED,
            {
                "voucher_id": voucher.voucher_id,
                "programme": voucher.programme,
                "provider_id": provider.provider_id,
                "provider_name": provider.name,
                "provider_email": provider.contact_email,
                "effective_from": coming.since.isoformat(),
                "staying_provider_id": voucher.tenures[-2].provider_id,
                "cancelled_by": by.name,
                "cancelled_by_id": by.id,
                "on": today.isoformat(),
            },
        )
    ]


def erasure_due(voucher: Voucher, today: date, retention_days: int) -> bool:
    """A citizen's personal data is kept `retention_days` after the voucher's last valid day."""
    return (
        bool(voucher.voucher_id)
        and not voucher.personal_erased
        and voucher.valid_until + timedelta(days=retention_days) < today
    )


def erase_personal_data(voucher: Voucher, today: date, reason: str) -> list[NewEvent]:
    """Record that the citizen's personal data on this voucher was erased (its subject's key
    destroyed). Only once the voucher has run out: a valid one still needs its citizen."""
    if not voucher.voucher_id:
        raise LookupError("no such voucher")
    if voucher.personal_erased:
        return []
    if today <= voucher.valid_until:
        raise Refused(f"the voucher is valid until {voucher.valid_until}: its citizen still needs it")
    if not reason.strip():
        raise Refused("say why the personal data is erased", "reason")
    return [
        NewEvent(
            ev.PERSONAL_DATA_ERASED,
            {
                "voucher_id": voucher.voucher_id,
                "programme": voucher.programme,
                "subject_id": voucher.subject_id,
                "erased_on": today.isoformat(),
                "reason": reason.strip(),
            },
        )
    ]
