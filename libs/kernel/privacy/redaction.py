"""Credentials never leave a process in a log line or a span. A credential travels in a
URL in three shapes, and each is cut out of any text wherever it appears (a request
line, a URL attribute, a message, a traceback):

- a path segment after `/track/` or `/sign-in/` (tracking links and email sign-in
  links: the route variable of every such page and API operation is its credential;
  a test walks every service's routes to keep it so);
- the value of a query parameter that names one (`token`, `*_token`, `code`,
  `client_secret`, `password`, `secret`: OAuth callbacks, links with `?token=`);
- a JSON Web Token (an access or ID token pasted anywhere)."""

from __future__ import annotations

import re

REDACTED = "[redacted]"
# the path segment after one of these carries a credential
CREDENTIAL_SEGMENTS = ("track", "sign-in")
CREDENTIAL_PARAMETERS = r"[A-Za-z_]*token|code|client_secret|password|secret"

_STOP = r"/?#&;\s\"'<>\\"  # what ends a path segment or a parameter's value
_PATH = re.compile(rf"(/(?:{'|'.join(map(re.escape, CREDENTIAL_SEGMENTS))})/)[^{_STOP}]+")
_QUERY = re.compile(rf"([?&;](?:{CREDENTIAL_PARAMETERS})=)[^{_STOP}]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """The text with every credential it carries replaced by [redacted]."""
    if "/" not in text and "=" not in text and "eyJ" not in text:
        return text  # the common case, cheaply
    text = _PATH.sub(rf"\1{REDACTED}", text)
    text = _QUERY.sub(rf"\1{REDACTED}", text)
    return _JWT.sub(REDACTED, text)


def redact_value(value: object) -> object:
    """A span or log attribute's value with its credentials cut out (strings, and the
    strings of a sequence; anything else as it is)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) if isinstance(v, str) else v for v in value)
    return value
