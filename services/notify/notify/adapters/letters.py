"""A message's personal parts, sealed with the key of the data subject it is about
(kernel.privacy.personal): the recipient's address, the subject line and the text. Nothing of
them is stored in clear, so destroying the subject's key makes every copy unreadable:
the collection, the store's replication log and its backups.

Two sealed parts: the `letter`, what the log and the portal may show (without the
personal link), kept until erasure; and the `delivery`, the text with its link and the
fallback email, kept only until the message is sent or given up."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from kernel.privacy.personal import PersonalData
from notify.domain.messages import Email, shown_body

SEALED_PARTS = ("letter", "delivery")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# a run of digits with spaces, dashes or brackets, not part of an id (a uuid's groups)
PHONE_NUMBER = re.compile(r"(?<![\w-])\+?\d[\d ()-]{6,}\d(?![\w-])")


def own_subject(key: str) -> str:
    """The subject of a message about no person (a provider's payment): its own key."""
    return f"notify-message:{key}"


class Letters:
    def __init__(self, personal: PersonalData) -> None:
        self._personal = personal

    def seal(self, subject_id: str, email: Email, fallback: Email | None) -> dict[str, str]:
        """Raises SubjectErased when the subject's data was erased meanwhile."""
        letter = {"to": email.to, "subject": email.subject, "body": shown_body(email)}
        delivery = {"body": email.body, "fallback": asdict(fallback) if fallback else None}
        return {
            "letter": self._personal.seal(subject_id, letter),
            "delivery": self._personal.seal(subject_id, delivery),
        }

    def prefetch(self, mails: Iterable[dict[str, Any]]) -> None:
        self._personal.vault.prefetch(m["subject_id"] for m in mails if m.get("subject_id"))

    def letter(self, mail: dict[str, Any]) -> dict[str, Any] | None:
        """What may be shown of the message (recipient, subject, text without its link), or
        None once the subject's data is erased."""
        return self._open(mail, "letter")

    def for_sending(self, mail: dict[str, Any]) -> dict[str, Any] | None:
        """The message with everything needed to send it, or None once erased."""
        letter, delivery = self._open(mail, "letter"), self._open(mail, "delivery")
        if letter is None or delivery is None:
            return None
        return {**mail, **letter, **delivery}

    def _open(self, mail: dict[str, Any], part: str) -> dict[str, Any] | None:
        sealed = mail.get(part)
        if not isinstance(sealed, str) or not mail.get("subject_id"):
            return None
        return self._personal.open(mail["subject_id"], sealed)


def redact(text: str, known: Iterable[str | None] = ()) -> str:
    """An error or bounce text fit to keep and publish: the message's own recipient and
    anything that looks like an address or a phone number taken out (SMTP servers and
    gateways echo them)."""
    for value in known:
        if value:
            text = re.sub(re.escape(value), "<recipient>", text, flags=re.IGNORECASE)
    return PHONE_NUMBER.sub("<number>", EMAIL_ADDRESS.sub("<address>", text))


class WithoutAddresses(logging.Filter):
    """Log records without addresses or numbers (exceptions of SMTP servers and SMS
    gateways quote them); a traceback goes into the message, redacted too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redact(message), ()
        return True
