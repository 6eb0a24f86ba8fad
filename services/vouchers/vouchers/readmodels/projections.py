"""The vouchers service's read models in MongoDB, kept by the event store's append hook
in the same transaction as the events (so a report id taken by one redemption is
refused to another at once), and rebuildable from the events. Longer than most
modules: one class keeps the five collections in one transaction with the events (a
payment, for one, writes its own document and marks the redemptions it pays), and its
queries read them."""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from kernel.eventsourcing.envelope import Envelope
from kernel.privacy.personal import PersonalData
from kernel.web.paging import Page, PageRequest, SortKey, mongo_page
from vouchers.domain import events as ev
from vouchers.domain.holders import initials
from vouchers.domain.providers import STATUS_BY_EVENT
from vouchers.domain.voucher_state import report_key
from vouchers.readmodels.published import mark_stale

# event type -> the ReadModels method that applies it
HANDLERS = {
    ev.PROVIDER_APPLIED: "_provider_applied",
    **dict.fromkeys(STATUS_BY_EVENT, "_provider_decided"),
    ev.QUALITY_RESULT_RECORDED: "_quality_recorded",
    ev.DEFAULT_PROVIDER_DESIGNATED: "_default_designated",
    ev.VOUCHER_GRANTED: "_voucher_granted",
    ev.PROVIDER_CHOSEN: "_tenure",
    ev.PROVIDER_SWITCHED: "_tenure",
    ev.SWITCH_CANCELLED: "_switch_cancelled",
    ev.UNITS_REDEEMED: "_units_redeemed",
    ev.OUTCOME_BONUS_GRANTED: "_bonus_granted",
    ev.PERSONAL_DATA_ERASED: "_personal_data_erased",
    ev.PAYMENT_MADE: "_payment_made",
}
COLLECTIONS = ("providers", "vouchers", "redemptions", "payments", "programme_settings")


# the orders of the lists the API and the pages page through (kernel.web.paging)
PROVIDERS_ORDER = SortKey.of(("name", 1), ("_id", 1))
HELD_ORDER = SortKey.of(("valid_from", 1), ("_id", 1))
CITIZEN_VOUCHERS_ORDER = SortKey.of(("granted_on", -1), ("_id", 1))
GRANTED_ORDER = SortKey.of(("granted_on", -1), ("_id", 1))
VOUCHER_STATUSES = ("valid", "without_provider", "ended")
PAYMENTS_ORDER = SortKey.of(("month", -1), ("provider_name", 1), ("_id", 1))


class ReadModels:
    """`personal` matches a citizen to their vouchers by a hash keyed with their own data
    key (see `vouchers_of_citizen`); without it (tests of the figures) nobody is matched."""

    def __init__(self, db: Database, personal: PersonalData | None = None) -> None:
        self.db = db
        self.personal = personal
        self.providers = db["providers"]
        self.vouchers = db["vouchers"]
        self.redemptions = db["redemptions"]
        self.payments = db["payments"]
        self.settings = db["programme_settings"]
        self.published = db["published_figures"]  # vouchers.readmodels.published: the kept comparison

    def ensure_schema(self) -> None:
        self.providers.create_index([("programme", ASCENDING), ("status", ASCENDING)])
        self.vouchers.create_index([("citizen_bucket", ASCENDING)])
        self.vouchers.create_index([("programme", ASCENDING)])
        self.vouchers.create_index([("tenures.provider_id", ASCENDING)])
        self.vouchers.create_index([("valid_until", ASCENDING)])
        self.vouchers.create_index([("programme", ASCENDING), ("granted_on", DESCENDING), ("_id", ASCENDING)])
        self.redemptions.create_index([("voucher_id", ASCENDING), ("paid_in", ASCENDING)])
        self.providers.create_index([("organisation_number", ASCENDING)])
        self.redemptions.create_index([("recorded_month", ASCENDING), ("provider_id", ASCENDING)])
        self.redemptions.create_index([("programme", ASCENDING), ("recorded_month", ASCENDING)])
        self.payments.create_index([("provider_id", ASCENDING), ("month", ASCENDING)])
        self.payments.create_index([("programme", ASCENDING), ("month", ASCENDING)])

    def drop(self) -> None:
        for name in COLLECTIONS:
            self.db[name].drop()

    def rebuild(self, events: Iterable[Envelope]) -> int:
        """Drop the read models and apply every event again, in store order. Run while
        the service takes no writes (a deployment step)."""
        self.drop()
        self.ensure_schema()
        count = 0
        for event in events:
            self.apply([event])
            count += 1
        return count

    # -- keeping them -------------------------------------------------------------------

    def apply(self, events: Sequence[Envelope], session: ClientSession | None = None) -> None:
        changed = False
        for event in events:
            method = HANDLERS.get(event.type)
            if method is not None:
                getattr(self, method)(event, session)
                changed = True
        if changed:
            mark_stale(self.published, session)

    def _provider_applied(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        fields = {
            k: d[k]
            for k in (
                *("programme", "organisation_number", "name", "ownership", "categories"),
                *("contact_email", "description", "website"),
            )
        }
        entry = {"on": d["on"], "status": "applied", "reason": ""}
        self.providers.update_one(
            {"_id": d["provider_id"]},
            {"$set": {**fields, "status": "applied", "applied_on": d["on"]}, "$push": {"history": entry}},
            upsert=True,
            session=session,
        )

    def _provider_decided(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        status = STATUS_BY_EVENT[event.type]
        entry = {"on": d["on"], "status": status, "reason": d["reason"]}
        self.providers.update_one(
            {"_id": d["provider_id"]},
            {"$set": {"status": status}, "$push": {"history": entry}},
            session=session,
        )

    def _quality_recorded(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        result = {"value": d["value"], "period": d["period"], "on": d["on"]}
        self.providers.update_one(
            {"_id": d["provider_id"]}, {"$set": {f"quality.{d['measure']}": result}}, session=session
        )

    def _default_designated(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        self.settings.update_one(
            {"_id": d["programme"]},
            {"$set": {"default_provider_id": d["provider_id"], "since": d["on"]}},
            upsert=True,
            session=session,
        )

    def _voucher_granted(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        keep = ("programme", "category", "citizen_bucket", "subject_id", "period", "units_per_period")
        keep += ("period_value_ore", "valid_from", "valid_until", "language")
        doc = {k: d[k] for k in keep}
        doc.update(
            _id=d["voucher_id"],
            citizen_match=self._citizen_match(d["subject_id"], d["personal"]),
            holder_initials=initials((d["personal"] or {}).get("name")),
            granted_on=d["on"],
            tenures=[],
            redeemed={},
            redeemed_ore=0,
            history=[{"on": d["on"], "what": "granted"}],
            version=event.version,  # the stream version this document is at: a snapshot to decide from
        )
        self.vouchers.replace_one({"_id": d["voucher_id"]}, doc, upsert=True, session=session)

    def _citizen_match(self, subject_id: str, personal: dict[str, Any] | None) -> str | None:
        """The personnummer hashed with the citizen's own data key: dies with the key."""
        if self.personal is None or not personal:
            return None
        return self.personal.subject_hash(subject_id, personal["personnummer"])

    def _tenure(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        voucher = self.vouchers.find_one({"_id": d["voucher_id"]}, {"tenures": 1}, session=session)
        tenures = voucher["tenures"] if voucher else []
        if tenures:
            tenures[-1]["until"] = _day_before(d["effective_from"])
        tenures.append(
            {
                "provider_id": d["provider_id"],
                "provider_name": d["provider_name"],
                "since": d["effective_from"],
                "until": None,
                "how": d["how"],
            }
        )
        entry = {
            "on": event.occurred_at[:10],
            "what": d["how"],
            "provider_name": d["provider_name"],
        }
        entry["effective_from"] = d["effective_from"]
        self.vouchers.update_one(
            {"_id": d["voucher_id"]},
            {"$set": {"tenures": tenures, "version": event.version}, "$push": {"history": entry}},
            session=session,
        )

    def _switch_cancelled(self, event: Envelope, session: ClientSession | None) -> None:
        """The scheduled switch never happens: its tenure goes, the one before lasts on
        (so it counts in no figure), and the history says it was cancelled."""
        d = event.data
        voucher = self.vouchers.find_one({"_id": d["voucher_id"]}, {"tenures": 1}, session=session)
        tenures = voucher["tenures"][:-1] if voucher else []
        if tenures:
            tenures[-1]["until"] = None
        entry = {
            "on": d["on"],
            "what": "switch_cancelled",
            "provider_name": d["provider_name"],
            "effective_from": d["effective_from"],
        }
        self.vouchers.update_one(
            {"_id": d["voucher_id"]},
            {"$set": {"tenures": tenures, "version": event.version}, "$push": {"history": entry}},
            session=session,
        )

    def _payable(self, event: Envelope, session: ClientSession | None, kind: str, report_id: str) -> None:
        d = event.data
        key = report_key(d["provider_id"], report_id) if kind == "delivery" else f"bonus/{d['voucher_id']}"
        self.redemptions.insert_one(
            {
                "_id": key,
                "kind": kind,
                "voucher_id": d["voucher_id"],
                "programme": d["programme"],
                "provider_id": d["provider_id"],
                "report_id": report_id,
                "units": d.get("units", 0),
                "amount_ore": d["amount_ore"],
                "delivered_on": d.get("delivered_on"),
                "recorded_on": d["recorded_on"],
                "recorded_month": d["recorded_on"][:7],
                "period_key": d.get("period_key"),
                "paid_in": None,
            },
            session=session,
        )

    def _units_redeemed(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        self._payable(event, session, "delivery", d["report_id"])
        entry = {
            "on": d["recorded_on"],
            "what": "delivered",
            "units": d["units"],
            "delivered_on": d["delivered_on"],
        }
        entry["amount_ore"] = d["amount_ore"]
        self.vouchers.update_one(
            {"_id": d["voucher_id"]},
            {
                "$inc": {f"redeemed.{d['period_key']}": d["units"], "redeemed_ore": d["amount_ore"]},
                "$set": {"version": event.version},
                "$push": {"history": entry},
            },
            session=session,
        )

    def _bonus_granted(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        self._payable(event, session, "bonus", "outcome-bonus")
        entry = {"on": d["recorded_on"], "what": "bonus", "amount_ore": d["amount_ore"]}
        self.vouchers.update_one(
            {"_id": d["voucher_id"]},
            {"$set": {"version": event.version, "bonus_granted": True}, "$push": {"history": entry}},
            session=session,
        )

    def _personal_data_erased(self, event: Envelope, session: ClientSession | None) -> None:
        """Nobody can find this voucher by personnummer any more (the hash that matched it
        was keyed with the destroyed key; the bucket goes too); its figures stay."""
        d = event.data
        entry = {"on": d["erased_on"], "what": "erased"}
        self.vouchers.update_one(
            {"_id": d["voucher_id"]},
            {
                "$set": {
                    "citizen_bucket": None,
                    "citizen_match": None,
                    "holder_initials": None,
                    "personal_erased_on": d["erased_on"],
                    "version": event.version,
                },
                "$push": {"history": entry},
            },
            session=session,
        )

    def _payment_made(self, event: Envelope, session: ClientSession | None) -> None:
        d = event.data
        doc = {
            k: d[k]
            for k in ("provider_id", "provider_name", "programme", "month", "total_ore", "lines", "on")
        }
        self.payments.replace_one(
            {"_id": d["payment_id"]}, {"_id": d["payment_id"], **doc}, upsert=True, session=session
        )
        keys = [
            report_key(d["provider_id"], line["report_id"])
            if line["kind"] == "delivery"
            else f"bonus/{line['voucher_id']}"
            for line in d["lines"]
        ]
        self.redemptions.update_many(
            {"_id": {"$in": keys}}, {"$set": {"paid_in": d["payment_id"]}}, session=session
        )

    # -- reading them -------------------------------------------------------------------

    def provider(self, provider_id: str) -> dict[str, Any] | None:
        return self.providers.find_one({"_id": provider_id})

    def providers_page(
        self, programme: str, statuses: Iterable[str] | None, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the programme's providers (of these statuses), by name."""
        query: dict[str, Any] = {"programme": programme}
        if statuses is not None:
            query["status"] = {"$in": list(statuses)}
        return mongo_page(self.providers, query, PROVIDERS_ORDER, page)

    def providers_of(self, programme: str, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"programme": programme}
        if statuses is not None:
            query["status"] = {"$in": list(statuses)}
        return list(self.providers.find(query).sort("name", ASCENDING))

    def providers_of_organisations(self, organisation_numbers: Iterable[str]) -> list[dict[str, Any]]:
        """An organisation's provider records, one per programme it applied to."""
        query = {"organisation_number": {"$in": sorted(organisation_numbers)}}
        return list(self.providers.find(query).sort([("programme", ASCENDING), ("name", ASCENDING)]))

    def vouchers_held_by(self, provider_id: str, on: date, page: PageRequest) -> Page[dict[str, Any]]:
        """One page of the vouchers still valid on the day that are, were or will be with
        this provider, oldest first."""
        query = {"tenures.provider_id": provider_id, "valid_until": {"$gte": on.isoformat()}}
        return mongo_page(self.vouchers, query, HELD_ORDER, page)

    def erasure_candidates(self, valid_until_before: date) -> list[dict[str, Any]]:
        """Vouchers that ran out before the day and still hold the citizen's personal data."""
        query = {"valid_until": {"$lt": valid_until_before.isoformat()}, "personal_erased_on": None}
        return list(self.vouchers.find(query, {"history": 0}))

    def has_unpaid(self, voucher_id: str) -> bool:
        """Is anything redeemed against the voucher still to be paid?"""
        return self.redemptions.find_one({"voucher_id": voucher_id, "paid_in": None}, {"_id": 1}) is not None

    def default_provider_id(self, programme: str) -> str | None:
        doc = self.settings.find_one({"_id": programme})
        return doc["default_provider_id"] if doc else None

    def voucher(self, voucher_id: str) -> dict[str, Any] | None:
        return self.vouchers.find_one({"_id": voucher_id})

    def redemption(self, provider_id: str, report_id: str) -> dict[str, Any] | None:
        return self.redemptions.find_one({"_id": report_key(provider_id, report_id)})

    def vouchers_of_citizen(self, personnummer: str, bucket: str, page: PageRequest) -> Page[dict[str, Any]]:
        """One page of the citizen's vouchers, newest first: the candidates in their bucket
        that their personnummer, hashed with each candidate's own subject key, matches."""

        def keys_fetched(candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
            if self.personal is not None:
                self.personal.vault.prefetch(doc["subject_id"] for doc in candidates)
            return candidates

        return mongo_page(
            self.vouchers,
            {"citizen_bucket": bucket},
            CITIZEN_VOUCHERS_ORDER,
            page,
            opened=keys_fetched,
            keep=lambda doc: self.belongs_to(doc, personnummer),
        )

    def belongs_to(self, doc: dict[str, Any], personnummer: str) -> bool:
        """Is the voucher this citizen's? Never once their personal data was erased."""
        if self.personal is None or not doc.get("citizen_match"):
            return False
        mine = self.personal.subject_hash(doc["subject_id"], personnummer)
        return mine is not None and hmac.compare_digest(mine, doc["citizen_match"])

    def vouchers_page(
        self, programme: str | None, status: str | None, on: date, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the granted vouchers (of a programme; valid on the day, valid and with
        no provider yet, or ended), newest grant first."""
        query: dict[str, Any] = {} if programme is None else {"programme": programme}
        if status in ("valid", "without_provider"):
            query["valid_until"] = {"$gte": on.isoformat()}
        if status == "without_provider":
            query["tenures"] = {"$size": 0}
        if status == "ended":
            query["valid_until"] = {"$lt": on.isoformat()}
        return mongo_page(self.vouchers, query, GRANTED_ORDER, page)

    def vouchers_of_programme(self, programme: str) -> list[dict[str, Any]]:
        return list(self.vouchers.find({"programme": programme}, {"history": 0}))

    def deliveries(self, programme: str) -> dict[tuple[str, str], dict[str, Any]]:
        """(voucher, provider) -> first delivery date and units delivered."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        query = {"programme": programme, "kind": "delivery"}
        for r in self.redemptions.find(
            query, {"voucher_id": 1, "provider_id": 1, "delivered_on": 1, "units": 1}
        ):
            key = (r["voucher_id"], r["provider_id"])
            seen = out.setdefault(key, {"first": r["delivered_on"], "units": 0})
            seen["first"] = min(seen["first"], r["delivered_on"])
            seen["units"] += r["units"]
        return out

    def unpaid(self, month: str) -> dict[str, list[dict[str, Any]]]:
        """Per provider, what was recorded in the month and is not paid yet."""
        lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.redemptions.find({"recorded_month": month, "paid_in": None}):
            lines[r["provider_id"]].append(r)
        return dict(lines)

    def payments_for(
        self, month: str | None, provider_ids: Iterable[str] | None, page: PageRequest
    ) -> Page[dict[str, Any]]:
        """One page of the payments (of the month, to these providers), newest month first."""
        query: dict[str, Any] = {}
        if month:
            query["month"] = month
        if provider_ids is not None:
            query["provider_id"] = {"$in": list(provider_ids)}
        return mongo_page(self.payments, query, PAYMENTS_ORDER, page)

    def cost_by_month(self, programme: str, year: int) -> tuple[dict[str, int], dict[str, int]]:
        """(redeemed per recorded month, paid per payment month) in öre."""
        prefix = {"$regex": f"^{year}-"}
        redeemed: dict[str, int] = defaultdict(int)
        for r in self.redemptions.find(
            {"programme": programme, "recorded_month": prefix}, {"recorded_month": 1, "amount_ore": 1}
        ):
            redeemed[r["recorded_month"]] += r["amount_ore"]
        paid: dict[str, int] = defaultdict(int)
        for p in self.payments.find({"programme": programme, "month": prefix}, {"month": 1, "total_ore": 1}):
            paid[p["month"]] += p["total_ore"]
        return dict(redeemed), dict(paid)


def _day_before(iso_day: str) -> str:
    return (date.fromisoformat(iso_day) - timedelta(days=1)).isoformat()
