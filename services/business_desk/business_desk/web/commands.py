"""The case commands, listed once for the API and the pages: per command its name in the
URL, the permission it takes, the action its audit trail records, and how it runs the
handler. The values are the command's fields by their API names (the API's body as its
schema reads it; the page reads its form into the same names)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from business_desk import handlers
from business_desk.bootstrap import Deps
from kernel.domain.actors import Actor

Values = Mapping[str, Any]
Run = Callable[[Deps, str, "Actor | None", Values], object]


class NotAPerson(Exception):
    """The command is a person's step, and the caller is not a signed-in person."""


def person(actor: Actor | None) -> Actor:
    """Who does the step, or NotAPerson."""
    if actor is None:
        raise NotAPerson
    return actor


@dataclass(frozen=True)
class CaseCommand:
    path: str  # /api/v1/cases/<case_id>/<path>
    page_path: str  # the page's form posts to /cases/<case_id>/<page_path>
    permission: str
    audit: str
    run: Run


def _command(
    path: str, audit: str, run: Run, permission: str = "case.work", page_path: str = ""
) -> CaseCommand:
    return CaseCommand(path, page_path or path, permission, audit, run)


COMMANDS: dict[str, CaseCommand] = {
    command.path: command
    for command in (
        _command("claim", "claim", lambda d, case_id, actor, v: handlers.claim(d, case_id, person(actor))),
        _command(
            "release", "release", lambda d, case_id, actor, v: handlers.release(d, case_id, person(actor))
        ),
        _command(
            "completion-request",
            "completion_request",
            lambda d, case_id, actor, v: handlers.request_completion(
                d, case_id, person(actor), v["message"], v["reply_by"], v.get("documents")
            ),
        ),
        # the applicant's words, typed in by whoever received them: no person's step
        _command(
            "applicant-reply",
            "applicant_reply",
            lambda d, case_id, actor, v: handlers.register_reply(d, case_id, v["reply"]),
        ),
        _command(
            "decision",
            "decision",
            lambda d, case_id, actor, v: handlers.decide(
                d,
                case_id,
                person(actor),
                v["outcome"],
                v["answer"],
                v["legal_reference"],
                v.get("documents"),
            ),
        ),
        _command(
            "assign",
            "assign",
            lambda d, case_id, actor, v: handlers.assign(d, case_id, v["handler"], person(actor)),
            permission="case.assign",
        ),
        _command(
            "notes",
            "add_note",
            lambda d, case_id, actor, v: handlers.add_note(d, case_id, person(actor), v["note"]),
            page_path="note",
        ),
        _command(
            "status",
            "change_status",
            lambda d, case_id, actor, v: handlers.change_status(d, case_id, person(actor), v["status"]),
        ),
        _command(
            "extension",
            "extend",
            lambda d, case_id, actor, v: handlers.extend_deadline(d, case_id, person(actor), v["reason"]),
        ),
        _command(
            "delay-notice",
            "delay_notice",
            lambda d, case_id, actor, v: handlers.send_delay_notice(
                d, case_id, person(actor), v["reason"], v["expected_by"]
            ),
        ),
        _command(
            "close",
            "close",
            lambda d, case_id, actor, v: handlers.close(d, case_id, person(actor), v["reason"]),
        ),
        _command(
            "reopen",
            "reopen",
            lambda d, case_id, actor, v: handlers.reopen(d, case_id, person(actor), v["reason"]),
        ),
    )
}

PAGE_COMMANDS: dict[str, CaseCommand] = {command.page_path: command for command in COMMANDS.values()}
