"""business_desk's own settings, on the kernel's (kernel.platform.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.platform.settings import REPO_ROOT, Settings, env


@dataclass(frozen=True, kw_only=True)
class DeskSettings(Settings):
    case_types_file: Path
    retention_days: int  # personal data is erased this long after a case's decision
    notify_url: str  # notify's API (a case's delivery log and the channel figures)
    intake_url: str  # intake's API (the files an applicant attached)

    @classmethod
    def from_env(cls, service: str = "business_desk") -> DeskSettings:
        return super().from_env(service)

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        return {
            "case_types_file": Path(env("CASE_TYPES_FILE", str(REPO_ROOT / "config" / "case_types.yaml"))),
            "retention_days": int(env("RETENTION_DAYS", "730")),
            "notify_url": env("NOTIFY_URL", "http://127.0.0.1:8003").rstrip("/"),
            "intake_url": env("INTAKE_URL", "http://127.0.0.1:8001").rstrip("/"),
        }
