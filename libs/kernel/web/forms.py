"""A form's errors as people read them (the GOV.UK / Digg pattern): every error at once,
in the form's order, in the page's language, each at its field and in a summary that
links to it (templates/kernel_forms.html). Marshmallow's own English messages become the
kernel's texts; a service's own messages (already in the page's language) pass as they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kernel.web.i18n import kernel_text

# marshmallow's default messages (marshmallow.fields ... default_error_messages) by kernel text
_MARSHMALLOW_DEFAULTS = {
    "Missing data for required field.": "form.required",
    "Field may not be null.": "form.required",
    "Not a valid integer.": "form.whole_number",
    "Not a valid number.": "form.number",
    "Number too large.": "form.number",
    "Not a valid date.": "form.date",
    "Not a valid email address.": "form.email",
    "Not a valid URL.": "form.url",
    "Not a valid UUID.": "form.invalid",
    "Not a valid string.": "form.invalid",
    "Not a valid boolean.": "form.invalid",
    "Invalid value.": "form.invalid",
    "Unknown field.": "form.unknown",
}
_MARSHMALLOW_PREFIXES = {
    "Must be one of:": "form.choice",
    "Length must be between": "form.length",
    "Shorter than minimum length": "form.length",
    "Longer than maximum length": "form.length",
    "Must be greater than or equal to": "form.range",
    "Must be less than or equal to": "form.range",
    "Must be greater than": "form.range",
    "Must be less than": "form.range",
}


def in_language(message: str, lang: str) -> str:
    """A marshmallow default message in the page's language; any other message as it is."""
    key = _MARSHMALLOW_DEFAULTS.get(message) or next(
        (key for prefix, key in _MARSHMALLOW_PREFIXES.items() if message.startswith(prefix)), None
    )
    return kernel_text(key, lang) if key else message


def form_errors(messages: Mapping[str, Any], order: Sequence[str], lang: str) -> dict[str, list[str]]:
    """Marshmallow's `ValidationError.messages` as {field: [message, ...]}: nested errors
    ({"units": {"0": [...]}}, {"_schema": [...]}) under their top field, in the form's
    `order` (fields it does not name after, `_schema` last), each message in `lang`."""
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        flat.setdefault(field, []).extend(in_language(m, lang) for m in _leaves(value))
    rank = {field: index for index, field in enumerate(order)}
    return dict(sorted(flat.items(), key=lambda item: (item[0] == "_schema", rank.get(item[0], len(rank)))))


def _leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for nested in value.values() for leaf in _leaves(nested)]
    if isinstance(value, (list, tuple)):
        return [leaf for nested in value for leaf in _leaves(nested)]
    return [str(value)]
