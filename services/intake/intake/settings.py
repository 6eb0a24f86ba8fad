"""intake's own settings, on the kernel's (kernel.platform.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.platform.settings import Settings, base_url, config_file, env


@dataclass(frozen=True, kw_only=True)
class IntakeSettings(Settings):
    case_types_file: Path
    intake_public_url: str  # the applicants' pages, in the links of receipts and sign-in emails
    tracking_link_days: int  # a tracking link stops working this long after the decision
    attachment_max_bytes: int  # one file an applicant attaches to an answer
    virus_scan_command: str  # reads a file on stdin, exits 0 clean / 1 infected; empty: no scan
    notify_url: str  # notify's API (the applicant's delivery log)
    desk_url: str  # business_desk's API (the live processing-time figures)

    of_service = "intake"

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        return {
            "case_types_file": config_file("CASE_TYPES_FILE", "case_types.yaml"),
            "intake_public_url": base_url("INTAKE_PUBLIC_URL", "http://127.0.0.1:8001"),
            "tracking_link_days": int(env("TRACKING_LINK_DAYS", "90")),
            "attachment_max_bytes": int(env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
            "virus_scan_command": env("VIRUS_SCAN_COMMAND", ""),
            "notify_url": base_url("NOTIFY_URL", "http://127.0.0.1:8003"),
            "desk_url": base_url("DESK_URL", "http://127.0.0.1:8002"),
        }
