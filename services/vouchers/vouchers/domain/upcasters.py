"""Older versions of the vouchers events, read as the current ones (the store upcasts on
every read, so the domain and the read models know only the current shapes)."""

from __future__ import annotations

from typing import Any

from kernel.eventstore import Upcasters
from vouchers.domain import events as ev
from vouchers.domain.vouchers import BUCKET_HEX_DIGITS


def voucher_granted_v1(data: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the whole keyed hash of the personnummer (`citizen_key`), which anyone
    holding the shared secret could test every personnummer against, erased or not; v2
    carries only its bucket, the hash's first digits."""
    data["citizen_bucket"] = data.pop("citizen_key")[:BUCKET_HEX_DIGITS]
    return data


def upcasters() -> Upcasters:
    steps = Upcasters()
    steps.register(ev.VOUCHER_GRANTED, 1, voucher_granted_v1)
    return steps
