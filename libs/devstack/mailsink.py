"""SMTP sink for development and tests: aiosmtpd stores every message in a Maildir,
and a small HTTP server lists them (JSON at /api/messages, readable at /)."""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import mailbox
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, maildir: Path) -> None:
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Maildir keys do not sort by arrival: record the arrival time in the message.
        received = f"X-Sink-Received-Ns: {time.time_ns()}\r\n".encode()
        self.box.add(received + envelope.original_content)
        return "250 Message accepted for delivery"


def read_messages(maildir: Path) -> list[dict[str, Any]]:
    box = mailbox.Maildir(maildir, create=True)
    messages = []
    for key in box.iterkeys():
        with box.get_file(key) as fh:
            parsed = email.message_from_binary_file(fh, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain", "html"))
        html_part = parsed.get_body(preferencelist=("html",))
        messages.append(
            {
                "id": key,
                "from": str(parsed["From"]),
                "to": str(parsed["To"]),
                "subject": str(parsed["Subject"]),
                "date": str(parsed["Date"]),
                "message_id": str(parsed["Message-ID"]),
                "header_names": sorted({name.lower() for name in parsed}),
                "body": body.get_content() if body else "",
                "html": html_part.get_content() if html_part else "",
                "received_ns": int(parsed["X-Sink-Received-Ns"] or 0),
            }
        )
    return sorted(messages, key=lambda m: (m["received_ns"], m["id"]))


def mails_to(mail_url: str, address: str) -> list[dict[str, Any]]:
    """The messages to `address` that the sink at `mail_url` lists, oldest first."""
    import requests

    messages = requests.get(f"{mail_url}/api/messages", timeout=5).json()
    return [m for m in messages if m["to"] == address]


def http_handler(maildir: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            messages = read_messages(maildir)
            if self.path.startswith("/api/messages"):
                self._send(json.dumps(messages, ensure_ascii=False).encode(), "application/json")
                return
            rows = "".join(
                f"<article><h2>{html.escape(m['subject'])}</h2><p>To: {html.escape(m['to'])}</p>"
                f"<pre>{html.escape(m['body'])}</pre></article>"
                for m in reversed(messages)
            )
            page = f"<!doctype html><meta charset=utf-8><title>Mail sink</title><h1>Mail sink ({len(messages)})</h1>{rows}"
            self._send(page.encode(), "text/html; charset=utf-8")

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()

    controller = Controller(MaildirHandler(args.maildir), hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    web = ThreadingHTTPServer(("127.0.0.1", args.http_port), http_handler(args.maildir))
    threading.Thread(target=web.serve_forever, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    web.shutdown()
    controller.stop()


if __name__ == "__main__":
    main()
