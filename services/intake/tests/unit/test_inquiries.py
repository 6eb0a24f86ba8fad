from datetime import UTC, datetime

import pytest
from marshmallow import ValidationError

from catalogue import casetypes
from intake.domain.inquiries import INQUIRY_SUBMITTED, SubmitInquiry, hash_token, submit_inquiry
from intake.domain.organisation import parse_organisation_number
from intake.settings import IntakeSettings
from intake.web.schemas import InquirySchema

CATALOGUE = casetypes.load(IntakeSettings.from_env().case_types_file)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday

VALID = {
    "organisation_number": "556036-0793",
    "company": "Kafé Solsidan AB",
    "contact_name": "Anna Berg",
    "email": "anna@example.se",
    "phone": "08-123 456 78",
    "case_type": "general_business_advice",
    "description": "Får vi ställa ut en skylt?",
    "language": "sv",
}


def command(**changes) -> SubmitInquiry:
    data = InquirySchema(case_types=CATALOGUE.ids()).load({**VALID, **changes})
    return SubmitInquiry(**data)


@pytest.mark.parametrize(
    ("raw", "country", "formatted"),
    [
        ("5560360793", "SE", "556036-0793"),
        ("556036-0793", "SE", "556036-0793"),
        ("13585628", "DK", "13585628"),
    ],
)
def test_swedish_and_danish_organisation_numbers_are_recognised(raw, country, formatted):
    assert parse_organisation_number(raw) == (country, formatted)


@pytest.mark.parametrize(
    ("raw", "reason"), [("556036-0794", "checksum"), ("12345", "length"), ("13585627", "checksum")]
)
def test_invalid_organisation_numbers_say_why(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_organisation_number(raw)


def test_the_promised_date_follows_the_case_types_target():
    advice = submit_inquiry(command(), CATALOGUE, NOW)
    assert advice.events[0].data["promised_answer_by"] == "2026-11-26"  # 2 working days
    permit = submit_inquiry(command(case_type="building_permit"), CATALOGUE, NOW)
    assert permit.events[0].data["promised_answer_by"] == "2027-02-02"  # 10 weeks
    licence = submit_inquiry(command(case_type="alcohol_serving_licence"), CATALOGUE, NOW)
    assert licence.events[0].data["promised_answer_by"] == "2027-01-19"  # 8 weeks


def test_submitting_produces_one_event_with_a_private_token_and_readable_reference():
    submitted = submit_inquiry(command(), CATALOGUE, NOW)
    [event] = submitted.events
    assert event.type == INQUIRY_SUBMITTED
    assert event.data["personal"]["tracking_token"] == submitted.tracking_token
    assert len(submitted.tracking_token) >= 32
    # everything that identifies a person or a company is in the field that gets sealed
    plain = {k: v for k, v in event.data.items() if k != "personal"}
    identifying = {"Anna Berg", "anna@example.se", "556036-0793", "Kafé Solsidan AB"}
    assert not identifying & set(map(str, plain.values()))
    assert event.data["subject_id"] != submitted.inquiry_id
    assert submitted.reference.startswith("BUS-2026-")
    assert submitted.stream_id == f"inquiry-{submitted.inquiry_id}"
    assert hash_token(submitted.tracking_token) != submitted.tracking_token


def test_the_schema_normalises_what_it_accepts():
    data = InquirySchema(case_types=CATALOGUE.ids()).load(
        {**VALID, "organisation_number": "5560360793", "company": "  Kafé  "}
    )
    assert data["organisation_number"] == "556036-0793"
    assert data["organisation_country"] == "SE"
    assert data["company"] == "Kafé"


def test_the_schema_names_every_bad_field():
    with pytest.raises(ValidationError) as caught:
        InquirySchema(case_types=CATALOGUE.ids()).load(
            {
                **VALID,
                "email": "nope",
                "case_type": "moon_landing",
                "phone": "call me",
                "organisation_number": "1",
                "language": "fi",
                "extra": "x",
            }
        )
    errors = caught.value.normalized_messages()
    assert errors == {
        "email": ["Not a valid email address."],
        "case_type": ["case_type.unknown"],
        "phone": ["phone.invalid"],
        "organisation_number": ["org.length"],
        "language": ["language.unknown"],
        "extra": ["Unknown field."],
    }
    with pytest.raises(ValidationError) as missing:
        InquirySchema(case_types=CATALOGUE.ids()).load({})
    assert set(missing.value.normalized_messages()) == {
        "organisation_number",
        "company",
        "contact_name",
        "email",
        "phone",
        "case_type",
        "description",
    }


def test_nki_puts_the_mean_of_the_three_answers_on_0_to_100():
    from intake.domain.inquiries import nki

    assert nki({"overall": 10, "expectations": 10, "ideal": 10}) == 100.0
    assert nki({"overall": 1, "expectations": 1, "ideal": 1}) == 0.0
    assert nki({"overall": 8, "expectations": 7, "ideal": 7}) == 70.4
