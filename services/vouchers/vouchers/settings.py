"""The vouchers service's own settings, on the kernel's (kernel.platform.settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.platform.settings import Settings, config_file, env


@dataclass(frozen=True, kw_only=True)
class VouchersSettings(Settings):
    voucher_programmes_file: Path
    case_types_file: Path  # the deployment's file: its country (SE, DK) is the pages' languages
    retention_days: int  # personal data is erased this long after a voucher's last day

    of_service = "vouchers"

    @classmethod
    def own_env(cls) -> dict[str, Any]:
        return {
            "voucher_programmes_file": config_file("VOUCHER_PROGRAMMES_FILE", "voucher_programmes.yaml"),
            "case_types_file": config_file("CASE_TYPES_FILE", "case_types.yaml"),
            "retention_days": int(env("RETENTION_DAYS", "730")),
        }
