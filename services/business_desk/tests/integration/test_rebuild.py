"""business_desk's read models rebuilt (the case documents, the processing-time buckets,
the satisfaction buckets) equal the ones kept incrementally, on the real store: cases
worked through the real handlers with an old event version in their history, a
redelivered inquiry and survey answer, an erasure, from scratch, twice."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from business_desk import handlers as desk
from business_desk.readmodels.rebuild import CaseFigures, Cases, rebuild
from conftest import case_inquiry
from kernel.domain.actors import Actor
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope

pytestmark = pytest.mark.integration


def survey(case_type: str, answered_on: str, scores: tuple[int, int, int], nki: float) -> dict:
    raw = golden_example("intake.survey_answered")
    raw["event_id"] = str(uuid.uuid4())
    raw["data"].update(
        case_type=case_type,
        answered_on=answered_on,
        scores=dict(zip(("overall", "expectations", "ideal"), scores, strict=True)),
        nki=nki,
    )
    return raw


def snapshot(db, deps) -> dict:
    cases = Cases(deps)
    figures = CaseFigures(db)
    return {
        "cases": {d["_id"]: cases.comparable(d) for d in db["cases"].find()},
        # what the buckets count (one counted down to nothing is as good as none)
        "figures": {d["_id"]: c for d in db["case_figures_weekly"].find() if (c := figures.comparable(d))},
        "satisfaction": {d["_id"]: d for d in db["satisfaction_weekly"].find()},
    }


def test_the_rebuilt_read_models_equal_the_incremental_ones(world, settings_for):
    settings, db, deps, receive = world
    sara = Actor(f"{settings.oidc_issuer}#sara.handler", "Sara")
    opened = [case_inquiry(40 + n, "outdoor_seating", f"2026-11-{2 + n:02d}", series="R") for n in range(4)]
    for raw in opened:
        raw["data"]["subject_id"] = str(uuid.uuid4())  # each applicant their own key
        receive(raw)
    receive(opened[0])  # redelivered: nothing new
    ids = [raw["data"]["inquiry_id"] for raw in opened]

    # an old version in the history: claimed by name (v1), imported as written long ago
    claimed_v1 = golden_example("business_desk.case_claimed", 1)
    claimed_v1.update(event_id=str(uuid.uuid4()), stream_id=f"case-{ids[0]}", version=2)
    claimed_v1["data"].update(case_id=ids[0], reference=opened[0]["data"]["reference"])
    deps.store.import_events([Envelope.from_dict(claimed_v1)])
    deps.cases.apply(deps.store.load(f"case-{ids[0]}")[1:], None)  # as its writer's hook did

    desk.claim(deps, ids[0], sara)
    desk.request_completion(deps, ids[0], sara, "Skicka en ritning.")
    desk.register_reply(deps, ids[0], "Ritningen bifogad.")
    desk.extend_deadline(deps, ids[0], sara, "Remiss till polisen.")
    desk.decide(deps, ids[0], sara, "granted", "Beviljas.")
    desk.claim(deps, ids[1], sara)
    desk.decide(deps, ids[1], sara, "refused", "Avslås.")
    desk.erase_personal_data(deps, ids[1], "retention")
    desk.claim(deps, ids[2], sara)
    for answer in (
        survey("outdoor_seating", "2026-11-30", (8, 7, 7), 70.4),
        survey("outdoor_seating", "2026-11-30", (9, 9, 8), 85.2),
        survey("outdoor_seating", "2026-12-07", (3, 4, 2), 22.2),
    ):
        receive(answer)
    receive(answer)  # redelivered

    incremental = snapshot(db, deps)
    erased = incremental["cases"][ids[1]]
    assert erased["personal_erased_on"] and erased["sealed_summary"] is None
    assert incremental["cases"][ids[0]]["sealed_summary"]["company"]
    assert {d["responses"] for d in incremental["satisfaction"].values()} == {1, 2}
    summary = deps.satisfaction.summary(date(2026, 11, 1), date(2026, 12, 31), ["outdoor_seating"])
    assert summary["responses"] == 3 and summary["nki"] == round((70.4 + 85.2 + 22.2) / 3, 1)

    def changed(result: dict) -> dict:
        return {m["model"]: (m["changed"], m["removed"], m["unreproducible"]) for m in result["models"]}

    quiet = {"business_desk.cases": (0, 0, 0), "business_desk.case_figures": (0, 0, 0)}
    assert changed(rebuild(settings)) == {**quiet, "business_desk.satisfaction": (0, 0, 0)}

    for name in ("cases", "case_figures_weekly", "satisfaction_weekly"):
        db[name].drop()
    deps.cases.ensure_schema()
    result = changed(rebuild(settings))
    assert result["business_desk.cases"] == (4, 0, 0) and result["business_desk.satisfaction"] == (2, 0, 0)
    assert snapshot(db, deps) == incremental
    assert changed(rebuild(settings)) == {**quiet, "business_desk.satisfaction": (0, 0, 0)}  # idempotent

    # buckets that drifted from the cases are counted again
    db["case_figures_weekly"].update_one({"kind": "received"}, {"$inc": {"received": 5}})
    db["case_figures_weekly"].insert_one(
        {"_id": "r|2020-01-06|outdoor_seating", "kind": "received", "received": 1}
    )
    assert changed(rebuild(settings))["business_desk.case_figures"] == (1, 1, 0)
    assert snapshot(db, deps) == incremental


def test_survey_answers_counted_before_they_were_kept_are_left_as_they_are(world):
    settings, db, _deps, receive = world
    receive(survey("food_business", "2026-11-30", (8, 7, 7), 70.4))
    db["processed_messages"].update_many({}, {"$unset": {"event": ""}})  # as before the upgrade
    db["satisfaction_weekly"].update_many({}, {"$inc": {"responses": 1}})
    [_, _, surveys] = rebuild(settings)["models"]
    assert surveys["unreproducible"] == 1 and surveys["details"]["consumed_without_kept_event"] == 1
    assert db["satisfaction_weekly"].find_one()["responses"] == 2  # not lost: kept as it was
