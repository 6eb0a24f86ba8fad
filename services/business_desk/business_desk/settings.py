"""business_desk's own settings, on the kernel's (kernel.platform.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.platform.settings import Settings, base_url, config_file, env


@dataclass(frozen=True, kw_only=True)
class DeskSettings(Settings):
    case_types_file: Path
    retention_days: int  # personal data is erased this long after a case's decision
    notify_url: str  # notify's API (a case's delivery log and the channel figures)
    intake_url: str  # intake's API (the files an applicant attached)
    document_max_bytes: int  # one document a handler attaches for the applicant
    virus_scan_command: str  # reads a file on stdin, exits 0 clean / 1 infected; empty: no scan

    of_service = "business_desk"

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        return {
            "case_types_file": config_file("CASE_TYPES_FILE", "case_types.yaml"),
            "retention_days": int(env("RETENTION_DAYS", "730")),
            "notify_url": base_url("NOTIFY_URL", "http://127.0.0.1:8003"),
            "intake_url": base_url("INTAKE_URL", "http://127.0.0.1:8001"),
            "document_max_bytes": int(env("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024))),
            "virus_scan_command": env("VIRUS_SCAN_COMMAND", ""),
        }
