from intake.domain.inquiries import hash_token
from intake.domain.tracking import evolve, public_view
from intake.i18n import t
from intake.settings import IntakeSettings
from kernel.eventsourcing.contracts import golden_example
from kernel.eventsourcing.envelope import Envelope


def golden(event_type: str) -> Envelope:
    return Envelope.from_dict(golden_example(event_type))


def history_of(*types: str) -> dict:
    doc = None
    for event_type in types:
        doc = evolve(doc, golden(event_type)) or doc
    return doc


def test_the_tracking_view_follows_the_case_in_plain_words():
    doc = history_of(
        "intake.inquiry_submitted",
        "business_desk.case_opened",
        "business_desk.case_claimed",
        "business_desk.completion_requested",
    )
    assert doc["status"] == "waiting_for_applicant"
    view = public_view(doc, "sv", "Bygglov", t)
    assert view["status_text"] == "Vi behöver fler uppgifter från dig innan vi kan gå vidare."
    assert view["waiting_for"] == "Skicka en situationsplan och fasadritningar."
    assert [h["status"] for h in view["history"]] == [
        "submitted",
        "registered",
        "in_progress",
        "waiting_for_applicant",
    ]

    doc = evolve(evolve(doc, golden("business_desk.applicant_replied")), golden("business_desk.case_decided"))
    view = public_view(doc, "en", "Building permit", t)
    assert view["status"] == "decided"
    assert view["decision"]["outcome_text"] == "Granted with conditions"
    assert view["promised_answer_by"] == golden("business_desk.applicant_replied").data["due_date"]
    assert "New date for an answer" in view["history"][-2]["text"]


def test_only_the_tokens_hash_is_kept_and_internal_fields_are_not_shown():
    doc = history_of("intake.inquiry_submitted")
    token = golden("intake.inquiry_submitted").data["personal"]["tracking_token"]
    assert doc["tracking_hash"] == hash_token(token)
    assert token not in str(doc)
    view = public_view(doc, "sv", "Bygglov", t)
    assert "tracking_hash" not in view and "applied" not in view


def test_a_redelivered_case_event_is_applied_once():
    doc = history_of("intake.inquiry_submitted", "business_desk.case_opened")
    assert evolve(doc, golden("business_desk.case_opened")) is None


def test_case_events_before_the_inquiry_is_known_change_nothing():
    assert evolve(None, golden("business_desk.case_claimed")) is None


def test_work_statuses_extensions_and_delay_notices_reach_the_applicant_in_the_configured_words():
    from catalogue import casetypes

    catalogue = casetypes.load(IntakeSettings.from_env().case_types_file)
    doc = history_of(
        "intake.inquiry_submitted",
        "business_desk.case_opened",
        "business_desk.case_claimed",
        "business_desk.status_changed",
        "business_desk.deadline_extended",
        "business_desk.delay_notice_sent",
    )
    view = public_view(
        doc, "en", "Building permit", t, lambda s, lang: catalogue.status(s).text(lang, applicant=True)
    )
    assert view["status"] == "referral"
    assert (
        view["status_text"] == "Your case has been sent to another authority or department for their opinion."
    )
    assert view["promised_answer_by"] == "2027-04-12"  # the extended deadline
    assert view["delays"] == [
        {
            "sent_on": "2027-01-20",
            "expected_by": "2027-02-15",
            "reason": "Vi väntar på yttrande från Trafikverket.",
        }
    ]
    assert "We expect to give you an answer by 2027-02-15." in view["history"][-1]["text"]


def test_a_new_link_is_found_by_its_random_handle_and_its_secret_is_never_kept():
    from intake.domain.inquiries import new_tracking_token
    from intake.domain.tracking import link_lookup

    token = new_tracking_token()
    lookup, secret = link_lookup(token)
    handle = token.split(".")[0]
    assert lookup == f"h:{handle}" and secret == token.split(".", 1)[1]
    assert secret not in lookup and hash_token(token) != lookup
    assert link_lookup("old-style-token") == (hash_token("old-style-token"), None)
    assert link_lookup(f"{'z' * 24}.secret")[1] is None  # not a handle: looked up as an old link
