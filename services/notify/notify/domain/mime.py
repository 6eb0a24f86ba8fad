"""A queued message as an email: headers built from validated parts only, so no value
(a provider's name in the subject, an address) can carry a line break into the header
block, and a message that cannot be an email fails alone (Unsendable), not the batch. Pure."""

from __future__ import annotations

import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from notify.domain.messages import html_body

# C0 and C1 controls (CR, LF, NUL, ...), DEL, and the Unicode line and paragraph separators
HEADER_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Unsendable(ValueError):
    """This message cannot be made into an email (an invalid address, text that cannot
    be encoded): retrying will not help."""


def header_text(value: str) -> str:
    """A header value on one line: controls and line breaks become spaces."""
    return " ".join(HEADER_BREAKING.sub(" ", value).split())


def mailbox(value: str) -> str:
    """One address (`user@domain`), or Unsendable: never a list, a display name or a break."""
    if not isinstance(value, str) or HEADER_BREAKING.search(value) or "," in value:
        raise Unsendable(f"not one email address: {value!r:.80}")
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError, TypeError) as exc:
        raise Unsendable(f"not an email address: {value!r:.80} ({exc})") from None
    if not address.username or not address.domain:
        raise Unsendable(f"not an email address: {value!r:.80}")
    return address.addr_spec


def message_id(key: str) -> str:
    """A valid Message-ID made from the mail's key (the key's colons are not allowed in one)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@notify.kommun.example>"


def to_message(mail: dict[str, Any], sender: str) -> EmailMessage:
    """The email of a queued mail; Unsendable if it cannot be one."""
    try:
        subject = header_text(mail["subject"])
        message = EmailMessage()
        message["From"] = sender
        message["To"] = mailbox(mail["to"])
        message["Subject"] = subject
        # A stable Message-ID lets receiving systems drop a copy sent twice after a crash.
        message["Message-ID"] = message_id(mail["_id"])
        message.set_content(mail["body"])
        message.add_alternative(
            html_body(subject, mail["body"], mail.get("language") or "sv"), subtype="html"
        )
        message.as_bytes()  # whatever cannot be encoded fails here, not inside the SMTP session
    except Unsendable:
        raise
    except Exception as exc:
        raise Unsendable(f"cannot be made into an email: {exc!r}"[:500]) from exc
    return message
