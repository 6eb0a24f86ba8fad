"""A citizen's and an organisation's numbers as the deployment's country knows them: a
Swedish personnummer and organisationsnummer, a Danish CPR and CVR number; each kept in
the form the grant's contract holds (12 digits: the birth date and the last four)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from marshmallow import ValidationError

from vouchers.web.schemas import message_key, organisation_number, valid_personnummer


def test_a_danish_cpr_number_is_kept_as_its_birth_date_and_last_four_digits():
    assert valid_personnummer("150312-4002", "DK") == ("201203154002", date(2012, 3, 15))
    assert valid_personnummer("1503124002", "DK")[0] == "201203154002"
    # the seventh digit tells the century: 0-3 always 19xx
    assert valid_personnummer("1503122002", "DK") == ("191203152002", date(1912, 3, 15))
    assert re.fullmatch(r"[0-9]{12}", valid_personnummer("0101126000", "DK")[0])


@pytest.mark.parametrize("typed", ["20120315-2002", "3202124002", "15031240"])
def test_what_is_no_cpr_number_is_refused_with_the_pages_key(typed):
    with pytest.raises(ValidationError) as refused:
        valid_personnummer(typed, "DK")
    assert message_key(str(refused.value.messages[0])) == "error.personnummer.DK"


def test_a_swedish_deployment_asks_for_a_personnummer_as_before():
    assert valid_personnummer("20120315-2002", "SE") == ("201203152002", date(2012, 3, 15))
    with pytest.raises(ValidationError) as refused:
        valid_personnummer("150312-4002", "SE")
    assert message_key(str(refused.value.messages[0])) == "error.personnummer"


def test_an_organisation_by_its_countrys_number():
    assert organisation_number("13585628", "DK") == "13585628"
    assert organisation_number("556036-0793", "SE") == "5560360793"
    with pytest.raises(ValidationError) as refused:
        organisation_number("5560360793", "DK")
    assert message_key(str(refused.value.messages[0])) == "error.organisation_number.DK"
