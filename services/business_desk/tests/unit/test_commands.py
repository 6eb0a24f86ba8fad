"""The one table of case commands: the names the API's URLs, the page's forms and the
audit trail have always used, and the permission each takes."""

from __future__ import annotations

from business_desk.web.commands import COMMANDS, PAGE_COMMANDS


def test_every_command_keeps_its_url_its_audit_action_and_its_permission() -> None:
    assert {path: (c.audit, c.permission) for path, c in COMMANDS.items()} == {
        "claim": ("claim", "case.work"),
        "completion-request": ("completion_request", "case.work"),
        "applicant-reply": ("applicant_reply", "case.work"),
        "decision": ("decision", "case.work"),
        "assign": ("assign", "case.assign"),
        "notes": ("add_note", "case.work"),
        "status": ("change_status", "case.work"),
        "extension": ("extend", "case.work"),
        "delay-notice": ("delay_notice", "case.work"),
        "close": ("close", "case.work"),
        "reopen": ("reopen", "case.work"),
        "release": ("release", "case.work"),
    }


def test_the_page_posts_each_command_to_its_own_name() -> None:
    assert {page: c.path for page, c in PAGE_COMMANDS.items()} == {
        **{path: path for path in COMMANDS if path != "notes"},
        "note": "notes",
    }
