from marshmallow import Schema, ValidationError, fields, validate

from kernel.web.forms import form_errors, in_language


class Grant(Schema):
    citizen = fields.String(required=True)
    birth_date = fields.Date(required=True)
    units = fields.Integer(required=True, validate=validate.Range(min=1))
    note = fields.String(validate=validate.Length(max=5))


def errors_of(data: dict, lang: str) -> dict[str, list[str]]:
    try:
        Grant().load(data)
    except ValidationError as exc:
        return form_errors(exc.messages, ["citizen", "birth_date", "units", "note"], lang)
    raise AssertionError("valid")


def test_every_error_at_once_in_the_forms_order_and_the_pages_language():
    errors = errors_of({"units": "x", "note": "far too long"}, "sv")
    assert list(errors) == ["citizen", "birth_date", "units", "note"]
    assert errors == {
        "citizen": ["Fyll i fältet."],
        "birth_date": ["Fyll i fältet."],
        "units": ["Ange ett heltal."],
        "note": ["Texten är för lång eller för kort."],
    }
    assert errors_of({}, "en")["citizen"] == ["Fill in this field."]


def test_nested_errors_go_under_their_field_and_the_forms_own_last():
    messages = {
        "_schema": ["kulturpeng is for ages 6-19"],
        "units": {"0": ["Not a valid integer."]},
        "x": ["Mine."],
    }
    assert form_errors(messages, ["units"], "da") == {
        "units": ["Angiv et helt tal."],
        "x": ["Mine."],
        "_schema": ["kulturpeng is for ages 6-19"],
    }


def test_a_services_own_message_passes_as_it_is():
    assert in_language("Bara 29 enheter är kvar.", "sv") == "Bara 29 enheter är kvar."
