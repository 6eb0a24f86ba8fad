"""Free text as every API and form takes it: a single-line field holds no control
character and no line break; a multi-line field holds line breaks (CRLF and CR become
LF, as browsers send a textarea) and tabs, and no other control. Refused at the field,
with an English message that the services' catalogues translate where the page is.

Text is trimmed before it is validated: a required field of only spaces is refused as
missing (marshmallow's own "required" message), an optional one counts as not given,
and the length rules count what is kept, not the spaces around it."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, missing, validate

SINGLE_LINE_MESSAGE = "Use one line of text, without control characters."
MULTI_LINE_MESSAGE = "Remove the control characters from the text."
# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the bidirectional
# overrides and isolates (they make text read otherwise than it is), and unpaired surrogates
_NOT_IN_ONE_LINE = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
SINGLE_LINE_FORBIDDEN = re.compile(f"[{_NOT_IN_ONE_LINE}]")


def _multi_line_forbidden() -> re.Pattern[str]:
    allowed = {"\n", "\t"}
    forbidden = "".join(chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in allowed)
    return re.compile(f"[{re.escape(forbidden)}\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


MULTI_LINE_FORBIDDEN = _multi_line_forbidden()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class SingleLineText(fields.String):
    """One line of text: a name, a company, a reason in a field."""

    forbidden = SINGLE_LINE_FORBIDDEN
    message = SINGLE_LINE_MESSAGE

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        # controls are refused before trimming (str.strip would drop U+2028 or U+0085 unseen)
        if isinstance(value, str):
            value = self.checked(value).strip()
            if not value:
                if self.required:
                    raise self.make_error("required")
                value = missing  # blank is not given: the field's default, or left out
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        return self.checked(text)

    def checked(self, text: str) -> str:
        if self.forbidden.search(text):
            raise ValidationError(self.message)
        return text


class MultiLineText(SingleLineText):
    """Text with line breaks: a description, a letter."""

    forbidden = MULTI_LINE_FORBIDDEN
    message = MULTI_LINE_MESSAGE

    def checked(self, text: str) -> str:
        return super().checked(normalise_newlines(text))


def without_control(text: str, multi_line: bool = False) -> str:
    """The text with what the field would refuse taken out: to show a refused value back
    to the person who typed it, never to store it."""
    if multi_line:
        return MULTI_LINE_FORBIDDEN.sub("", normalise_newlines(text))
    return SINGLE_LINE_FORBIDDEN.sub("", text)


class EmailAddress(SingleLineText, fields.Email):
    """An email address, trimmed before it is checked."""


class WebAddress(SingleLineText, fields.Url):
    """A web address, trimmed before it is checked."""


def has_control(text: str, multi_line: bool = False) -> bool:
    """Whether a text holds what the field would refuse (for values not read by a schema)."""
    pattern = MULTI_LINE_FORBIDDEN if multi_line else SINGLE_LINE_FORBIDDEN
    return bool(pattern.search(normalise_newlines(text) if multi_line else text))


class WholeMatch(validate.Regexp):
    """A value the pattern must match as a whole. marshmallow's Regexp matches from the
    start only, and `$` also matches before a final line break: `rep-1\\n` passed
    `^[\\w-]+$`, and a line break reached an id."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value
