"""The catalogue of case types: data in a YAML file, not code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kernel.calendar import Target, WorkingCalendar, calendar_for


@dataclass(frozen=True)
class CaseType:
    id: str
    name: dict[str, str]
    description: dict[str, str]
    target: Target
    kind: str  # "legal" deadline or "service_guarantee"
    legal_reference: str
    team: str
    clock_starts_when_complete: bool

    def label(self, lang: str) -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True)
class Catalogue:
    country: str
    case_types: dict[str, CaseType]

    @property
    def calendar(self) -> WorkingCalendar:
        return calendar_for(self.country)

    def get(self, case_type_id: str) -> CaseType:
        return self.case_types[case_type_id]

    def ids(self) -> list[str]:
        return list(self.case_types)


def _parse(raw: dict) -> Catalogue:
    types = {}
    for item in raw["case_types"]:
        types[item["id"]] = CaseType(
            id=item["id"],
            name=dict(item["name"]),
            description=dict(item.get("description", {})),
            target=Target(int(item["target"]["amount"]), item["target"]["unit"]),
            kind=item["kind"],
            legal_reference=item.get("legal_reference", ""),
            team=item["team"],
            clock_starts_when_complete=bool(item.get("clock_starts_when_complete", False)),
        )
    return Catalogue(country=raw["country"], case_types=types)


@lru_cache(maxsize=4)
def load(path: Path) -> Catalogue:
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
