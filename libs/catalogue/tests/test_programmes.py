"""The one parser of config/voucher_programmes.yaml: the shipped file loads, and a programme
that could not be paid or shown is refused when the file is read, not when it is used."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalogue.programmes import UnknownProgramme, load
from kernel.platform.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "config" / "voucher_programmes.yaml"


def programme(**changes: object) -> dict:
    raw: dict = {
        "name": {"sv": "Kulturpeng", "en": "Culture voucher"},
        "description": {"sv": "Kurser", "en": "Courses"},
        "unit": {"sv": "lektion", "en": "lesson"},
        "units_label": {"sv": "lektioner", "en": "lessons"},
        "period": "whole",
        "validity_months": 12,
        "budget": 1000,
        "categories": {"music": {"label": {"sv": "Musik", "en": "Music"}, "amount": 97.76, "units": 32}},
    }
    raw.update(changes)
    return raw


def written(tmp_path: Path, **programmes: dict) -> Path:
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump({"programmes": programmes}), encoding="utf-8")
    return path


def test_the_shipped_programmes_load_with_their_names_in_every_language() -> None:
    programmes = load(SHIPPED)
    assert "kulturpeng" in programmes.by_id
    assert programmes.names()["kulturpeng"] == {
        "sv": "Kulturpeng", "en": "Culture school voucher", "da": "Kulturskolebevis"
    }  # fmt: skip
    assert [p.id for p in programmes] == list(programmes.names())


def test_money_is_read_in_ore_and_a_fixed_amount_is_paid_whatever_the_units(tmp_path: Path) -> None:
    kultur = load(written(tmp_path, kultur=programme())).get("kultur")
    music = kultur.category("music")
    assert (music.amount_ore, music.units, music.unit_price_ore) == (9776, 32, None)
    assert music.period_value(10) == 9776
    assert kultur.budget_ore == 100_000


def test_a_unit_price_is_paid_per_unit(tmp_path: Path) -> None:
    priced = {"label": {"sv": "Städ", "en": "Cleaning"}, "unit_price": 450}
    care = load(written(tmp_path, care=programme(categories={"cleaning": priced}))).get("care")
    assert care.category("cleaning").period_value(3) == 135_000


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"period": "week"}, "period must be one of"),
        ({"name": {"sv": "Bara svenska"}}, "kultur.name: needs a text in sv and en"),
        (
            {"categories": {"x": {"label": {"sv": "X", "en": "X"}, "amount": 1, "unit_price": 1}}},
            "give either amount or unit_price",
        ),
        ({"categories": {"x": {"label": {"sv": "X", "en": "X"}, "amount": 1}}}, "needs its units"),
    ],
)
def test_a_programme_that_cannot_be_paid_or_shown_is_refused(
    tmp_path: Path, changes: dict, refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        load(written(tmp_path, kultur=programme(**changes)))


def test_an_unknown_programme_or_category_is_a_lookup_error(tmp_path: Path) -> None:
    programmes = load(written(tmp_path, kultur=programme()))
    with pytest.raises(UnknownProgramme):
        programmes.get("nope")
    with pytest.raises(LookupError, match="no category"):
        programmes.get("kultur").category("nope")


def test_every_shipped_text_has_its_danish_and_a_text_without_one_reads_english(tmp_path: Path) -> None:
    """A Danish deployment's pages read each programme's Danish (frit valg)."""

    def texts(node: object) -> list[dict]:
        if isinstance(node, dict):
            found = [node] if {"sv", "en"} <= node.keys() else []
            return found + [t for value in node.values() for t in texts(value)]
        return [t for value in node for t in texts(value)] if isinstance(node, list) else []

    shipped = texts(yaml.safe_load(SHIPPED.read_text(encoding="utf-8")))
    assert shipped and all(text.get("da") for text in shipped)
    kultur = load(written(tmp_path, kultur=programme())).get("kultur")
    assert kultur.name["da"] == "Culture voucher" and kultur.unit["da"] == "lesson"
