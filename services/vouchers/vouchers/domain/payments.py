"""The monthly payment run: one payment per provider with its lines, for everything
recorded in a month that has ended. A payment's stream id is its provider and month,
so running the same month again pays nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from kernel.eventsourcing.envelope import NewEvent
from vouchers.domain import Refused
from vouchers.domain import events as ev
from vouchers.domain.months import month_of


def payment_id_for(provider_id: str, month: str) -> str:
    return f"{provider_id}-{month}"


def stream_id_for(payment_id: str) -> str:
    return f"payment-{payment_id}"


def check_month(month: str, today: date) -> None:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Refused("month must look like 2026-10", "month", "error.month") from None
    if month_of(first) >= month_of(today):
        raise Refused("only a month that has ended can be paid", "month", "refused.month_not_ended")


def make_payment(
    provider: dict[str, Any], month: str, lines: list[dict[str, Any]], today: date
) -> list[NewEvent]:
    """`lines`: the provider's redemptions and bonuses recorded in the month."""
    if not lines:
        return []
    ordered = sorted(
        lines, key=lambda line: (line["delivered_on"] or "", line["voucher_id"], line["report_id"])
    )
    return [
        NewEvent(
            ev.PAYMENT_MADE,
            {
                "payment_id": payment_id_for(provider["_id"], month),
                "provider_id": provider["_id"],
                "provider_name": provider["name"],
                "provider_email": provider["contact_email"],
                "programme": provider["programme"],
                "month": month,
                "total_ore": sum(line["amount_ore"] for line in ordered),
                "lines": [
                    {
                        "kind": line["kind"],
                        "voucher_id": line["voucher_id"],
                        "report_id": line["report_id"],
                        "units": line["units"],
                        "delivered_on": line["delivered_on"],
                        "amount_ore": line["amount_ore"],
                    }
                    for line in ordered
                ],
                "on": today.isoformat(),
            },
        )
    ]
