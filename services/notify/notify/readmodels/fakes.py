"""notify's stores in memory, for unit tests of the handlers through the real wiring
(notify.bootstrap): the recipients (the real view's learning, sealing and forgetting over a
dict) and the mail outbox (each message queued once by its key, sealed with its subject's
key, forgotten with it). Leases, retries and the delivery log are the real outbox's own
(adapters.outbox, tested on the store)."""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession

from kernel.privacy.personal import PersonalData, SubjectErased
from notify.adapters.letters import Letters, own_subject
from notify.domain.messages import About, Email
from notify.readmodels.recipients import Recipients


class InMemoryRecipients(Recipients):
    """The recipients held in a dict: the same learning, sealing and forgetting."""

    def __init__(self, personal: PersonalData) -> None:
        self._personal = personal
        self.records: dict[str, dict[str, Any]] = {}

    def ensure_schema(self) -> None:
        pass

    def _find(self, key: str, session: ClientSession | None) -> dict[str, Any] | None:
        found = self.records.get(key)
        return dict(found) if found is not None else None

    def _replace(self, key: str, doc: dict[str, Any], session: ClientSession | None) -> None:
        self.records[key] = {**doc, "_id": key}

    def _delete(self, subject_id: str, keys: list[str], session: ClientSession | None) -> None:
        self.records = {
            k: v for k, v in self.records.items() if v.get("subject_id") != subject_id and k not in keys
        }


class InMemoryOutbox:
    def __init__(self, personal: PersonalData) -> None:
        self._letters = Letters(personal)
        self.mails: dict[str, dict[str, Any]] = {}

    def ensure_schema(self) -> None:
        pass

    def queue(
        self,
        key: str,
        email: Email,
        about: About,
        session: ClientSession | None,
        channel: str = "email",
        fallback: Email | None = None,
    ) -> None:
        subject_id = about.subject_id or own_subject(key)
        try:
            sealed = self._letters.seal(subject_id, email, fallback)
        except SubjectErased:
            return
        self.mails.setdefault(
            key,
            {
                **sealed,
                "_id": key,
                "subject_id": subject_id,
                "channel": channel,
                "language": email.language,
                "template": email.template,
                "reference": about.reference,
                "event_type": about.event_type,
                "audience": about.audience,
                "status": "queued",
            },
        )

    def forget_subject(self, subject_id: str, reference: str | None, session: ClientSession | None) -> None:
        for mail in self.mails.values():
            if mail["subject_id"] == subject_id or (reference and mail["reference"] == reference):
                mail.pop("letter", None)
                mail.pop("delivery", None)
                mail["personal_erased"] = True
                if mail["status"] == "queued":
                    mail["status"] = "erased"

    def letters(self) -> list[dict[str, Any]]:
        """What may be shown of each message still readable (recipient, subject, text)."""
        return [letter for mail in self.mails.values() if (letter := self._letters.letter(mail)) is not None]


class InMemoryProviderContacts:
    """The providers' contact addresses in a dict (notify.readmodels.providers)."""

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}

    def ensure_schema(self) -> None:
        pass

    def learn(self, event: Any, session: ClientSession | None) -> None:
        from notify.readmodels.providers import contact_of

        contact = contact_of(event)
        self.contacts[contact["_id"]] = contact

    def get(self, provider_id: str, session: ClientSession | None) -> dict[str, Any] | None:
        found = self.contacts.get(provider_id)
        return dict(found) if found is not None else None
