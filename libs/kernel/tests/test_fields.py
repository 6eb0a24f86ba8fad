import pytest
from marshmallow import Schema, ValidationError

from kernel.fields import MULTI_LINE_MESSAGE, SINGLE_LINE_MESSAGE, MultiLineText, SingleLineText


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
