"""One message through its handler: decoded, checked against its contract, its personal
data opened, handled exactly once (kernel.eventsourcing.inbox), or refused with a reason
for the dead-letter topic (a poison message never stops the loop)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from cryptography.exceptions import InvalidTag
from opentelemetry.trace import SpanKind
from pymongo.client_session import ClientSession
from pymongo.errors import PyMongoError

from kernel.eventsourcing import consumed, contracts
from kernel.eventsourcing.deadletters import MAX_REASON_CHARS, dead_letter
from kernel.eventsourcing.envelope import Envelope, InvalidEnvelope
from kernel.eventsourcing.inbox import Effect, Inbox
from kernel.platform import logs, telemetry
from kernel.platform.dependencies import dependency_of
from kernel.privacy.personal import PersonalData, UnknownSubject

log = logging.getLogger(__name__)

Handler = Callable[[Envelope, ClientSession | None], None]


class MessageRejected(Exception):
    """The handler found the message impossible to process (a poison message)."""


class MessageUnfit(Exception):
    """The message is not a valid envelope, or breaks its event's contract."""


class MessageProcessor:
    """Turns one raw message into an effect, a skip, or a dead letter. No Kafka here."""

    def __init__(
        self,
        inbox: Inbox,
        handlers: Mapping[str, Handler],
        check_contract: bool = True,
        personal: PersonalData | None = None,
    ) -> None:
        self._inbox = inbox
        self._handlers = handlers
        self._check_contract = check_contract
        self._personal = personal

    def process(self, raw: bytes) -> str | None:
        """Returns None when done (or skipped), or the reason to dead-letter the message."""
        try:
            effect = self._prepare(raw)
            if effect is not None:
                self._inbox.process_once(*effect)
        except MessageUnfit as exc:
            return str(exc)
        except MessageRejected as exc:
            return f"rejected: {exc}"
        return None

    def process_all(self, raws: Sequence[bytes]) -> bool:
        """Process several messages in one transaction. False, with nothing changed, if
        any of them fails: the caller then processes them one by one, so a bad message
        is dead-lettered alone."""
        try:
            effects = [e for raw in raws if (e := self._prepare(raw)) is not None]
            if effects:
                self._inbox.process_all(effects)
        except Exception as exc:
            if dependency_of(exc) is not None:
                raise  # nothing is wrong with the messages: the caller waits for the store
            log.info("batch of %d not processed together (%r): one by one", len(raws), exc)
            return False
        return True

    def _prepare(self, raw: bytes) -> tuple[str, Effect] | None:
        """The event id and the effect of a message, or None if it is of no interest.
        Reading a message depends on nothing but its bytes (and the key store): whatever
        goes wrong here, other than the store, will go wrong again, so it is unfit."""
        try:
            return self._read(raw)
        except (MessageUnfit, PyMongoError):
            raise
        except Exception as exc:
            if dependency_of(exc) is not None:
                raise
            raise MessageUnfit(f"unreadable message: {exc!r}"[:MAX_REASON_CHARS]) from exc

    def _read(self, raw: bytes) -> tuple[str, Effect] | None:
        try:
            envelope = Envelope.from_json(raw)
        except InvalidEnvelope as exc:
            raise MessageUnfit(f"invalid envelope: {exc}"[:MAX_REASON_CHARS]) from exc
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return None  # an event this consumer has no interest in
        arrived = envelope  # as it travels (sealed): what the inbox keeps
        if self._check_contract:
            try:
                contracts.validate(envelope)
            except contracts.ContractViolation as exc:
                raise MessageUnfit(f"contract violation: {exc}"[:MAX_REASON_CHARS]) from exc
        if self._personal is not None:
            try:
                envelope = self._personal.open_event(envelope)
            except (UnknownSubject, InvalidTag, ValueError) as exc:
                raise MessageUnfit(f"personal data cannot be opened: {exc!r}") from exc

        def effect(session: ClientSession | None) -> None:
            with (
                telemetry.continued(
                    envelope.traceparent,
                    f"consume {envelope.type}",
                    SpanKind.CONSUMER,
                    event_id=envelope.event_id,
                ),
                logs.about(envelope.data.get("reference")),
            ):
                consumed.keep(arrived)
                handler(envelope, session)

        return envelope.event_id, effect


def dead_letter_value(
    raw: bytes, reason: str, consumer: str, topic: str, partition: int, offset: int
) -> bytes:
    return dead_letter(raw, reason, consumer=consumer, topic=topic, partition=partition, offset=offset)
