"""Sending email over SMTP: one session for a batch, STARTTLS and login where the relay
needs them, and the server's absence told as an outage (kernel.platform.dependencies)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from kernel.platform.dependencies import SMTP, TRACKER, DependencyUnavailable, reason_of
from notify.settings import NotifySettings


class SmtpSender:
    """SMTP with STARTTLS (SMTP_STARTTLS=1, the server's certificate verified) and login
    (SMTP_USERNAME / SMTP_PASSWORD or SMTP_PASSWORD_FILE) where the relay needs them."""

    def __init__(self, settings: NotifySettings, smtp_class: type[smtplib.SMTP] = smtplib.SMTP) -> None:
        self._settings = settings
        self._smtp_class = smtp_class

    def send(self, message: EmailMessage) -> None:
        with self.session() as send:
            send(message)

    @contextmanager
    def session(self) -> Iterator[Callable[[EmailMessage], object]]:
        """One connection for a batch of emails. DependencyUnavailable if the server cannot
        be reached or refuses the session (then no mail was tried)."""
        with self._connected(timeout_s=10) as smtp:
            yield smtp.send_message

    @contextmanager
    def _connected(self, timeout_s: float) -> Iterator[smtplib.SMTP]:
        s = self._settings
        try:
            smtp = self._smtp_class(s.smtp_host, s.smtp_port, timeout=timeout_s)
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            raise DependencyUnavailable(SMTP, reason_of(exc), probe=self.probe) from exc
        TRACKER.back(SMTP)
        with smtp:
            yield smtp

    def probe(self) -> None:
        """Raises while the server cannot be reached (or refuses the session)."""
        with self._connected(timeout_s=2) as smtp:
            smtp.noop()
