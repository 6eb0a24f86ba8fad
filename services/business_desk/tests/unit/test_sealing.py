"""The case documents at rest: their personal values sealed with the applicant's key."""

import json

from business_desk.readmodels.case_projection import evolve
from business_desk.readmodels.sealing import CaseSealing
from kernel.privacy.personal import InMemoryKeyVault, PersonalData

from .test_views import CATALOGUE, life


def whole_life() -> dict:
    doc = None
    for event in life()[:-1]:  # up to the closing: every free text is on the document
        doc = evolve(doc, event, CATALOGUE) or doc
    assert doc is not None
    return doc


def personal_values(doc: dict) -> list[str]:
    """What the applicant wrote or is named by, as the document holds it."""
    values = [doc["company"], doc["contact"]["email"], doc["contact"]["name"], doc["description"]]
    values += [doc["decision"]["answer"], doc["closed"]["reason"], doc["extension"]["reason"]]
    values += [n["note"] for n in doc["notes"]] + [n["reason"] for n in doc["delay_notices"]]
    return [v for v in values + [h["detail"] for h in doc["history"]] if v]


def test_a_case_is_stored_sealed_and_opens_as_it_was():
    sealing = CaseSealing(PersonalData(InMemoryKeyVault()))
    doc = whole_life()
    stored = sealing.seal(doc)
    at_rest = json.dumps({k: v for k, v in stored.items() if k != "search"}, ensure_ascii=False)
    values = personal_values(doc)
    assert len(values) >= 10
    for value in values:
        assert value not in at_rest, value
    assert sealing.open_doc(stored) == doc
    listed = sealing.open_doc({k: v for k, v in stored.items() if k != "sealed_detail"}, detail=False)
    assert listed["company"] == doc["company"] and listed["contact"] == doc["contact"]


def test_once_the_key_is_destroyed_no_stored_copy_opens():
    personal = PersonalData(InMemoryKeyVault())
    sealing = CaseSealing(personal)
    doc = whole_life()
    stored = sealing.seal(doc)
    personal.vault.erase(doc["subject_id"], "retention")
    opened = sealing.open_doc(stored)
    assert opened["company"] is None and opened["contact"] is None and opened["description"] is None
    assert opened["decision"]["answer"] is None and opened["closed"]["reason"] is None
    assert all(h["detail"] is None for h in opened["history"]) and all(
        n["note"] is None for n in opened["notes"]
    )
    assert opened["decision"]["outcome"] == doc["decision"]["outcome"]  # the facts stay
    # a subject erased has nothing left to seal: written again, the document holds no blob
    again = sealing.seal({**opened, "personal_erased_on": "2030-01-01"})
    assert again["sealed_summary"] is None and again["sealed_detail"] is None
    assert sealing.seal(opened)["sealed_summary"] is None  # not marked erased yet: still nothing


def test_the_handlers_documents_names_and_sha256_are_sealed_and_gone_once_erased():
    personal = PersonalData(InMemoryKeyVault())
    sealing = CaseSealing(personal)
    described = {"attachment_id": "a1", "filename": "Blankett Anna.pdf", "sha256": "f00d" * 16, "size": 9}
    doc = whole_life()
    doc["history"][-1] = {**doc["history"][-1], "documents": [described]}
    doc["decision"] = {**doc["decision"], "documents": [described]}
    stored = sealing.seal(doc)
    at_rest = json.dumps(stored, ensure_ascii=False, default=str)
    assert "Blankett Anna" not in at_rest and "f00d" * 16 not in at_rest
    assert sealing.open_doc(stored) == doc
    personal.vault.erase(doc["subject_id"], "retention")
    opened = sealing.open_doc(stored)
    assert opened["decision"]["documents"] == [] and all(h["documents"] == [] for h in opened["history"])
