"""The voucher programmes, read from config/voucher_programmes.yaml (the one parser of that file:
vouchers runs the programmes, notify names them in its messages). Money in öre."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Text = dict[str, str]  # {"sv": ..., "en": ..., "da": ...}
PERIODS = ("month", "whole")


class UnknownProgramme(LookupError):
    pass


def _text(raw: Any, where: str) -> Text:
    """A text in sv and en, and da (a Danish deployment's pages): its English where the
    file gives no Danish."""
    if not isinstance(raw, dict) or not {"sv", "en"} <= raw.keys():
        raise ValueError(f"{where}: needs a text in sv and en")
    return {"sv": str(raw["sv"]), "en": str(raw["en"]), "da": str(raw.get("da", raw["en"]))}


@dataclass(frozen=True)
class Category:
    id: str
    label: Text
    units: int | None  # units per period; None: set per voucher when it is granted
    amount_ore: int | None  # a fixed amount per period for `units` units ...
    unit_price_ore: int | None  # ... or a price per unit

    def period_value(self, units: int) -> int:
        """What a full period of `units` units is worth."""
        if self.amount_ore is not None:
            return self.amount_ore
        assert self.unit_price_ore is not None
        return self.unit_price_ore * units


@dataclass(frozen=True)
class QualityMeasure:
    id: str
    label: Text
    minimum: float
    maximum: float


@dataclass(frozen=True)
class OutcomeBonus:
    after_months: int
    amount_ore: int


@dataclass(frozen=True)
class Programme:
    id: str
    name: Text
    description: Text
    unit: Text
    units_label: Text
    period: str
    validity_months: int
    categories: dict[str, Category]
    budget_ore: int
    criteria: list[Text] = field(default_factory=list)
    quality_measures: dict[str, QualityMeasure] = field(default_factory=dict)
    age_min: int | None = None
    age_max: int | None = None
    default_provider: bool = False
    outcome_bonus: OutcomeBonus | None = None
    answer_within_working_days: int | None = None

    def category(self, category_id: str) -> Category:
        if category_id not in self.categories:
            raise LookupError(f"{self.id} has no category {category_id!r}")
        return self.categories[category_id]


def _category(programme: str, key: str, raw: dict[str, Any]) -> Category:
    amount, price = raw.get("amount"), raw.get("unit_price")
    if (amount is None) == (price is None):
        raise ValueError(f"{programme}.{key}: give either amount or unit_price")
    units = raw.get("units")
    if amount is not None and not units:
        raise ValueError(f"{programme}.{key}: a fixed amount needs its units")
    return Category(
        id=key,
        label=_text(raw["label"], f"{programme}.{key}.label"),
        units=int(units) if units else None,
        amount_ore=round(float(amount) * 100) if amount is not None else None,
        unit_price_ore=round(float(price) * 100) if price is not None else None,
    )


def _programme(key: str, raw: dict[str, Any]) -> Programme:
    if raw["period"] not in PERIODS:
        raise ValueError(f"{key}: period must be one of {PERIODS}")
    bonus = raw.get("outcome_bonus")
    age = raw.get("age") or {}
    return Programme(
        id=key,
        name=_text(raw["name"], f"{key}.name"),
        description=_text(raw["description"], f"{key}.description"),
        unit=_text(raw["unit"], f"{key}.unit"),
        units_label=_text(raw["units_label"], f"{key}.units_label"),
        period=raw["period"],
        validity_months=int(raw["validity_months"]),
        categories={k: _category(key, k, v) for k, v in raw["categories"].items()},
        budget_ore=round(float(raw["budget"]) * 100),
        criteria=[_text(c, f"{key}.criteria") for c in raw.get("criteria", [])],
        quality_measures={
            k: QualityMeasure(k, _text(v["label"], f"{key}.{k}"), float(v["min"]), float(v["max"]))
            for k, v in (raw.get("quality_measures") or {}).items()
        },
        age_min=age.get("min"),
        age_max=age.get("max"),
        default_provider=bool(raw.get("default_provider", False)),
        outcome_bonus=OutcomeBonus(int(bonus["after_months"]), round(float(bonus["amount"]) * 100))
        if bonus
        else None,
        answer_within_working_days=raw.get("answer_within_working_days"),
    )


@dataclass(frozen=True)
class Programmes:
    by_id: dict[str, Programme]

    def get(self, programme_id: str) -> Programme:
        if programme_id not in self.by_id:
            raise UnknownProgramme(f"no programme {programme_id!r}")
        return self.by_id[programme_id]

    def __iter__(self) -> Iterator[Programme]:
        return iter(self.by_id.values())

    def names(self) -> dict[str, Text]:
        """Each programme's name in sv, en and da, by its id (what notify's messages call it)."""
        return {p.id: p.name for p in self}


def load(path: Path) -> Programmes:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Programmes({key: _programme(key, raw) for key, raw in data["programmes"].items()})
