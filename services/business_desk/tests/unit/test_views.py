from business_desk.views import evolve
from kernel.contracts import golden_example
from kernel.envelope import Envelope

CASE_EVENTS = [
    "business_desk.case_opened",
    "business_desk.case_claimed",
    "business_desk.completion_requested",
    "business_desk.applicant_replied",
    "business_desk.case_decided",
]


def test_the_case_view_follows_every_step_and_keeps_a_history():
    doc = None
    statuses = []
    for event_type in CASE_EVENTS:
        doc = evolve(doc, Envelope.from_dict(golden_example(event_type))) or doc
        statuses.append(doc["status"])
    assert statuses == ["open", "in_progress", "waiting_for_applicant", "in_progress", "decided"]
    assert doc["due_date"] == golden_example("business_desk.applicant_replied")["data"]["due_date"]
    assert doc["decision"]["outcome"] == "granted_with_conditions"
    assert len(doc["history"]) == 5 and doc["handler"] == "Erik Handläggare"


def test_an_event_already_in_the_view_is_not_applied_twice():
    opened = evolve(None, Envelope.from_dict(golden_example("business_desk.case_opened")))
    claimed = evolve(opened, Envelope.from_dict(golden_example("business_desk.case_claimed")))
    assert evolve(claimed, Envelope.from_dict(golden_example("business_desk.case_claimed"))) is None
