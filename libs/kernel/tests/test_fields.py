import pytest
from marshmallow import Schema, ValidationError, validate

from kernel.web.fields import (
    MULTI_LINE_MESSAGE,
    SINGLE_LINE_MESSAGE,
    EmailAddress,
    MultiLineText,
    SingleLineText,
    WebAddress,
)


class Form(Schema):
    name = SingleLineText()
    text = MultiLineText()


@pytest.mark.parametrize(
    "value",
    [
        "Omsorg AB\rBcc: x@example.se",
        "two\nlines",
        "tab\there",
        "nul\x00",
        "del\x7f",
        "c1\x85",
        "ls\u2028",
        "rlo\u202eevil",
        "isolate\u2066",
    ],
)
def test_a_single_line_field_refuses_controls_and_line_breaks(value):
    with pytest.raises(ValidationError) as refused:
        Form().load({"name": value})
    assert refused.value.messages == {"name": [SINGLE_LINE_MESSAGE]}


@pytest.mark.parametrize(
    "value", ["bell\x07", "cr only is fine but nul\x00 is not", "esc\x1b[31m", "ps\u2029"]
)
def test_a_multi_line_field_refuses_controls_other_than_line_breaks_and_tabs(value):
    with pytest.raises(ValidationError) as refused:
        Form().load({"text": value})
    assert refused.value.messages == {"text": [MULTI_LINE_MESSAGE]}


def test_ordinary_text_passes_and_a_textareas_crlf_becomes_lf():
    loaded = Form().load({"name": "Åsa Öberg 😀 (Café AB)", "text": "Hej,\r\nrad två\r\tindrag"})
    assert loaded == {"name": "Åsa Öberg 😀 (Café AB)", "text": "Hej,\nrad två\n\tindrag"}


class Required(Schema):
    name = SingleLineText(required=True, validate=validate.Length(2, 10))
    text = MultiLineText(required=True, validate=validate.Length(1, 20))
    nickname = SingleLineText(load_default=None, validate=validate.Length(1, 5))
    email = EmailAddress(load_default="")
    site = WebAddress(load_default="")


@pytest.mark.parametrize("blank", ["", " ", "   ", "\u00a0\u3000 "])
def test_a_required_field_of_only_spaces_is_missing_not_too_short(blank):
    with pytest.raises(ValidationError) as refused:
        Required().load({"name": blank, "text": blank + " \r\n\t ", "email": "a@b.se"})
    assert refused.value.messages == {
        "name": [Required().fields["name"].error_messages["required"]],
        "text": [Required().fields["text"].error_messages["required"]],
    }


def test_text_is_trimmed_before_its_length_is_checked():
    loaded = Required().load(
        {"name": "  Bo  ", "text": "\n  Hej  \r\n", "nickname": " Li ", "email": " a@b.se "}
    )
    assert loaded == {"name": "Bo", "text": "Hej", "nickname": "Li", "email": "a@b.se", "site": ""}
    with pytest.raises(ValidationError) as refused:
        Required().load({"name": " " + "x" * 11 + " ", "text": "ok"})
    assert list(refused.value.messages) == ["name"]  # eleven kept: too long, the spaces not counted
    assert Required().load({"name": " " + "x" * 10 + " ", "text": "ok"})["name"] == "x" * 10


def test_an_optional_field_of_only_spaces_counts_as_not_given():
    loaded = Required().load({"name": "Bo", "text": "ok", "nickname": "   ", "email": "  ", "site": " "})
    assert loaded == {"name": "Bo", "text": "ok", "nickname": None, "email": "", "site": ""}


def test_controls_are_refused_before_trimming_could_hide_them():
    for edge in ("\u2028Bo", "Bo\x85", "\x1fBo"):
        with pytest.raises(ValidationError) as refused:
            Required().load({"name": edge, "text": "ok"})
        assert refused.value.messages == {"name": [SINGLE_LINE_MESSAGE]}


def test_an_address_is_trimmed_then_checked():
    with pytest.raises(ValidationError) as refused:
        Required().load({"name": "Bo", "text": "ok", "email": " not an address ", "site": " nope "})
    assert set(refused.value.messages) == {"email", "site"}
    assert Required().load({"name": "Bo", "text": "ok", "site": " https://x.se "})["site"] == "https://x.se"
