"""Case handling beyond the basics and the managers' figures, on the real store, through the
API and the pages with the demo users' real tokens.

Kept in one module: the work on the cases and the figures it makes are checked on the same cases."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import quote

import pytest

from conftest import case_inquiry
from kernel.eventsourcing.inbox import MongoInbox
from kernel.eventsourcing.processor import MessageProcessor
from kernel.platform.connections import mongo_client

pytestmark = pytest.mark.integration
SARA, TINA = "Sara Handläggare", "Tina Teamledare"


def inquiry(n: int, case_type: str, received_on: date, company: str | None = None) -> dict:
    return case_inquiry(n, case_type, received_on.isoformat(), series="W", company=company)


@pytest.fixture
def desk(clocked_desk):
    return clocked_desk


def test_assign_note_status_extension_delay_close_and_reopen(desk, signed_in):
    case_id = desk.receive(inquiry(1, "alcohol_serving_licence", date(2026, 11, 2)))
    lead, sara = signed_in(desk.app, "team_lead"), signed_in(desk.app, "case_handler")
    url = f"/api/v1/cases/{case_id}"

    sara_id = desk.actor_id("sara.handler")
    refused = lead.post(f"{url}/assign", json={"handler": desk.actor_id("hugo.handler")})
    assert refused.status_code == 409 and "not in the team" in refused.get_json()["message"]
    by_name = lead.post(f"{url}/assign", json={"handler": SARA})  # a name is nobody: two may share it
    assert by_name.status_code == 409 and "not in the team" in by_name.get_json()["message"]
    assigned = lead.post(f"{url}/assign", json={"handler": sara_id}).get_json()
    assert assigned["handler"] == SARA and assigned["handler_id"] == sara_id
    assert sara.post(f"{url}/assign", json={"handler": sara_id}).status_code == 403  # leads assign
    assert sara.post(f"{url}/status", json={"status": "site_visit"}).get_json()["status"] == "site_visit"
    assert sara.post(f"{url}/status", json={"status": "decided"}).status_code == 409
    noted = sara.post(f"{url}/notes", json={"note": "Ringde, ritning kommer."}).get_json()
    assert noted["notes"][0]["note"] == "Ringde, ritning kommer." and noted["notes"][0]["author"] == SARA

    before = sara.get(url).get_json()
    assert before["due_date"] == "2026-12-28" and before["clock"]["share_used"] == pytest.approx(
        22 / 56, abs=1e-3
    )
    extended = sara.post(f"{url}/extension", json={"reason": "Remiss till polisen."}).get_json()
    assert extended["due_date"] == "2027-02-22" and extended["extension"]["reason"] == "Remiss till polisen."
    again = sara.post(f"{url}/extension", json={"reason": "Igen."})
    assert again.status_code == 409 and "already been extended" in again.get_json()["message"]
    assert sara.post(f"{url}/extension", json={}).status_code == 422

    bad = sara.post(f"{url}/delay-notice", json={"reason": "Polisen dröjer.", "expected_by": "2026-11-01"})
    assert bad.status_code == 409 and "future" in bad.get_json()["message"]
    notice = sara.post(f"{url}/delay-notice", json={"reason": "Polisen dröjer.", "expected_by": "2027-03-01"})
    assert notice.get_json()["delay_notices"][0]["expected_by"] == "2027-03-01"

    decided = sara.post(
        f"{url}/decision", json={"outcome": "granted", "answer": "Beviljas.", "legal_reference": "AL 8:2"}
    )
    assert decided.get_json()["decision"]["legal_reference"] == "AL 8:2"
    assert decided.get_json()["clock"]["finished"] is True
    closed = sara.post(f"{url}/close", json={"reason": "Laga kraft."}).get_json()
    assert closed["phase"] == "closed" and closed["closed"]["reason"] == "Laga kraft."
    assert sara.post(f"{url}/close", json={"reason": "Igen."}).status_code == 409
    reopened = sara.post(f"{url}/reopen", json={"reason": "Överklagat."}).get_json()
    assert (
        reopened["phase"] == "in_progress"
        and reopened["decision"] is None
        and reopened["clock"]["finished"] is False
    )
    assert [h["type"] for h in reopened["history"]] == [
        "case_opened", "case_assigned", "status_changed", "note_added", "deadline_extended",
        "delay_notice_sent", "case_decided", "case_closed", "case_reopened",
    ]  # fmt: skip


def test_queues_filter_and_search(desk, signed_in):
    today = desk.today
    ids = [
        desk.receive(inquiry(11, "outdoor_seating", today - timedelta(days=40), "Restaurang Älvkanten AB")),
        desk.receive(inquiry(12, "outdoor_seating", today - timedelta(days=3), "Café Solsidan HB")),
        desk.receive(inquiry(13, "alcohol_serving_licence", today - timedelta(days=10), "Krogen i Nacka AB")),
    ]
    sara = signed_in(desk.app, "case_handler")
    sara.post(f"/api/v1/cases/{ids[1]}/claim")

    def refs(url: str) -> list[str]:
        response = sara.get(url)
        assert response.status_code == 200, response.get_json()
        return [c["reference"][-3:] for c in response.get_json()["items"]]

    assert refs("/api/v1/queues/outdoor_seating") == ["011", "012"]
    assert refs("/api/v1/queues/outdoor_seating?status=overdue") == ["011"]  # 4 weeks passed
    assert refs("/api/v1/queues/outdoor_seating?unassigned=true") == ["011"]
    assert refs(f"/api/v1/queues/outdoor_seating?handler={quote(desk.actor_id('sara.handler'))}") == ["012"]
    assert refs("/api/v1/queues/outdoor_seating?handler=me") == ["012"]
    assert refs(f"/api/v1/queues/outdoor_seating?handler={quote(SARA)}") == []  # a name is not a handler
    assert refs("/api/v1/teams/licensing/queue") == ["011", "012", "013"]  # due soonest first
    assert refs("/api/v1/teams/licensing/queue?q=alvkant") == ["011"]  # accents folded, a prefix
    assert refs("/api/v1/teams/licensing/queue?q=krogen%20nacka") == ["013"]
    assert refs("/api/v1/teams/licensing/queue?q=BUS-2026-W00012") == ["012"]
    assert refs("/api/v1/teams/licensing/queue?q=556036-0793") == ["011", "012", "013"]  # the org number
    assert refs("/api/v1/teams/licensing/queue?q=nothing%20like%20this") == []
    assert sara.get("/api/v1/teams/building/queue").status_code == 403
    assert sara.get("/api/v1/teams/nobody/queue").status_code == 404


def counted(buckets: Iterable[dict]) -> dict[str, dict]:
    """The buckets by id, without their zero counts, leaving out those with none left."""
    out = {}
    for bucket in buckets:
        kept = {k: v for k, v in bucket.items() if v != 0 and v != {}}
        if any(isinstance(v, int | dict) for v in kept.values()):
            out[bucket["_id"]] = kept
    return out


def test_figures_exports_and_the_open_kpi_feed(desk, signed_in, page_client, tokens):
    today = desk.today
    sara = signed_in(desk.app, "case_handler")
    for n, (case_type, age, decide_after) in enumerate(
        [
            ("outdoor_seating", 50, 20),  # decided within 4 weeks
            ("outdoor_seating", 40, 35),  # decided late
            ("alcohol_serving_licence", 30, 10),
            ("alcohol_serving_licence", 5, None),  # still open
            ("building_permit", 20, None),  # another team's
        ]
    ):
        received = today - timedelta(days=age)
        case_id = desk.receive(inquiry(20 + n, case_type, received))
        if decide_after is not None:
            desk.today = received + timedelta(days=decide_after)
            sara.post(f"/api/v1/cases/{case_id}/claim")
            assert (
                sara.post(
                    f"/api/v1/cases/{case_id}/decision", json={"outcome": "granted", "answer": "Ja."}
                ).status_code
                == 200
            )
            desk.today = today

    manager, lead = signed_in(desk.app, "manager"), signed_in(desk.app, "team_lead")
    figures = manager.get("/api/v1/figures?period=13w&group_by=case_type").get_json()
    totals = figures["totals"]
    assert (totals["received"], totals["decided"]) == (5, 3)
    assert totals["share_within_target_net"] == pytest.approx(2 / 3, abs=1e-3)
    assert totals["median_net_days"] == 20.0 and totals["p90_net_days"] == 35.0
    assert figures["backlog"]["open"] == 2 and figures["backlog"]["by_age"]["0-7 days"] == 1
    assert {g["group"]: g["decided"] for g in figures["groups"]} == {
        "alcohol_serving_licence": 1, "building_permit": 0, "outdoor_seating": 2,
    }  # fmt: skip
    assert sum(w["decided"] for w in figures["weekly"]) == 3

    # the team lead sees their team's case types only; a handler none
    assert lead.get("/api/v1/figures").get_json()["totals"]["received"] == 4
    assert sara.get("/api/v1/figures").status_code == 403
    assert manager.get("/api/v1/figures?from=2026-12-01&to=2026-11-01").status_code == 422
    assert manager.get("/api/v1/figures?case_type=nope").get_json()["errors"]["query"] == {
        "case_type": ["no case type nope"]
    }

    # the incrementally kept buckets equal a rebuild from the events (a bucket counted
    # down to nothing, like the unassigned cases' open counts, is left behind empty)
    buckets = counted(desk.db["case_figures_weekly"].find())
    assert not desk.db["case_figures_weekly"].find_one({"_id": "o|outdoor_seating|"})["received_on"]
    desk.deps.cases.rebuild(desk.deps.store.read_all())
    assert counted(desk.db["case_figures_weekly"].find()) == buckets

    rows = list(
        csv.reader(io.StringIO(manager.get("/api/v1/figures.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0][:4] == ["row", "key", "received", "decided"] and rows[1][2:4] == ["5", "3"]
    insikt = manager.get("/api/v1/exports/insikt.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert insikt[0].startswith("arendetyp;insikt_omrade;beslutsdatum") and len(insikt) == 4
    assert "Markupplåtelse" in insikt[1] and "anna.berg@example.se" in insikt[1]

    kpi = desk.app.test_client().get("/api/v1/kpi").get_json()  # anonymous
    outdoor = next(v for v in kpi["values"] if v["case_type"] == "outdoor_seating")
    assert (outdoor["decided"], outdoor["share_within_target"], outdoor["median_days"]) == (2, 0.5, 27.5)
    assert kpi["municipality"]["code"] == "0126" and "anna" not in str(kpi).lower()

    page = page_client(desk.app, "manager").get("/dashboard?period=13w").get_data(as_text=True)
    assert page.count("<svg") == 4 and "Outdoor seating" in page
    assert 'id="received"><a href="/dashboard/cases?show=received&amp;period=13w">5</a>' in page
    assert page_client(desk.app, "case_handler").get("/dashboard").status_code == 403


def test_warnings_go_out_once_per_share_and_notify_mails_the_handler_and_the_team_lead(
    desk, signed_in, settings_for, personal
):
    from business_desk import handlers
    from notify.bootstrap import bootstrap as notify_bootstrap
    from notify.handlers import handlers as notify_handlers

    case_id = desk.receive(inquiry(40, "general_business_advice", date(2026, 11, 20)))  # Fri; due Tue 24
    hugo = signed_in(desk.app, "case_handler_other_team")
    assert hugo.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    desk.today = date(2026, 11, 23)  # one of two working days used
    assert handlers.issue_warnings(desk.deps) == []
    desk.today = date(2026, 11, 24)  # both used: straight to the highest share, once
    assert handlers.issue_warnings(desk.deps) == [case_id]
    assert handlers.issue_warnings(desk.deps) == []
    [warning] = [
        e for _, e in desk.deps.store.read_after(0) if e.type == "business_desk.deadline_warning_issued"
    ]
    assert warning.data["share"] == 0.9 and warning.data["recipients"] == [
        "hugo@kommun.example.se",
        "tina@kommun.example.se",
    ]
    case = hugo.get(f"/api/v1/cases/{case_id}").get_json()
    assert case["warnings"] == [{"share": 0.9, "on": "2026-11-24"}]

    notify_settings = replace(
        settings_for("notify"), intake_public_url="http://intake", desk_public_url="http://desk"
    )
    notify_db = mongo_client(notify_settings)[notify_settings.database]
    notify = notify_bootstrap(notify_settings, notify_db, personal=personal)  # as its consumer wires it
    processor = MessageProcessor(MongoInbox(notify_db, "notify"), notify_handlers(notify), personal=personal)
    assert processor.process(warning.to_json()) is None
    assert processor.process(warning.to_json()) is None  # redelivered: still one mail each
    mails = sorted(notify.outbox.lease(10), key=lambda m: m["to"])  # opened
    assert [m["to"] for m in mails] == ["hugo@kommun.example.se", "tina@kommun.example.se"]
    assert f"http://desk/cases/{case_id}" in mails[0]["body"]


def test_a_case_that_cannot_be_loaded_does_not_stop_the_deadline_round_for_the_others(desk, signed_in):
    from business_desk import domain, handlers
    from kernel.eventsourcing.envelope import Metadata, NewEvent
    from kernel.eventsourcing.mongo_store import MongoEventStore
    from kernel.platform.isolation import ITEM_FAILURES

    broken = str(uuid.uuid4())  # listed as open, its history cannot be folded into a case
    desk.db["cases"].insert_one({"_id": broken, "phase": "open", "reference": "BUS-BROKEN"})
    opened = NewEvent("business_desk.case_opened", {"case_id": broken})
    MongoEventStore(desk.db).append(
        domain.stream_id_for(broken), 0, [opened], Metadata.new()
    )  # no read model
    case_id = desk.receive(inquiry(41, "general_business_advice", date(2026, 11, 20)))
    assert (
        signed_in(desk.app, "case_handler_other_team").post(f"/api/v1/cases/{case_id}/claim").status_code
        == 200
    )
    failures = ITEM_FAILURES.labels("deadline warnings")._value.get()
    desk.today = date(2026, 11, 24)
    assert handlers.issue_warnings(desk.deps) == [case_id]
    assert ITEM_FAILURES.labels("deadline warnings")._value.get() == failures + 1


def test_the_insikt_export_streams_chunk_by_chunk_every_case_once_and_well_formed(
    desk, signed_in, monkeypatch
):
    from business_desk.readmodels import cases as readmodel

    monkeypatch.setattr(readmodel, "EXPORT_CHUNK", 3)
    opened: list[int] = []
    open_chunk = readmodel.CaseReadModel._opened

    def counting(self, stored, detail):  # type: ignore[no-untyped-def]
        opened.append(len(stored))
        return open_chunk(self, stored, detail)

    monkeypatch.setattr(readmodel.CaseReadModel, "_opened", counting)
    sara, manager = signed_in(desk.app, "case_handler"), signed_in(desk.app, "manager")
    companies = [f'Bolag {n}; med "citat"' for n in range(7)] + ['=HYPERLINK("http://x")']
    for n, company in enumerate(companies):
        case_id = desk.receive(inquiry(60 + n, "outdoor_seating", desk.today - timedelta(days=10), company))
        assert sara.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
        decided = sara.post(f"/api/v1/cases/{case_id}/decision", json={"outcome": "granted", "answer": "Ja."})
        assert decided.status_code == 200

    opened.clear()  # the cases read above (claimed, decided) are not the export's
    response = manager.get("/api/v1/exports/insikt.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    text = b"".join(response.response).decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["arendetyp", "insikt_omrade", "beslutsdatum"]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert sorted(row[3] for row in rows[1:]) == sorted(
        [c for c in companies if not c.startswith("=")] + ["'" + companies[-1]]
    )
    assert len({row[-1] for row in rows[1:]}) == len(companies)  # every case once
    assert opened and max(opened) <= 3 and sum(opened) == len(companies)  # read a chunk at a time
