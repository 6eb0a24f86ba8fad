from datetime import UTC, date, datetime

from kernel.web.formats import amount, day, filesize, moment, number, percent, week


def test_a_swedish_page_writes_numbers_with_a_decimal_comma_and_a_spaced_percent():
    assert number(1234.56, "sv", 1) == "1\xa0234,6"
    assert number(0.0, "sv", 1) == "0"
    assert percent(1 / 3, "sv", 1) == "33,3\xa0%"
    assert percent(1.0, "sv") == "100\xa0%"
    assert amount(1234.5, "sv") == "1\xa0234,50\xa0kr"
    assert filesize(600, "sv") == "0,6 kB" and filesize(20, "sv") == "20 B"  # never "0 kB"
    assert "." not in number(1234.56, "sv", 1) + percent(0.5, "sv", 1) + filesize(2_400_000, "sv")


def test_english_and_danish_write_their_own_way():
    assert number(1234.56, "en", 1) == "1,234.6" and percent(0.5, "en") == "50%"
    assert number(1234.56, "da", 1) == "1.234,6"
    assert amount(1250, "en") == "SEK\xa01,250.00" and amount(-916.5, "en") == "-SEK\xa0916.50"
    assert amount(1250, "da") == "1.250,00\xa0SEK"


def test_times_are_shown_in_the_deployments_zone_and_weeks_by_number():
    utc = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in Stockholm
    assert moment(utc, "sv") == "4 dec. 2026 00:30"
    assert day(utc, "sv") == "4 dec. 2026"
    assert moment(datetime(2026, 7, 1, 10, 0), "en", "Europe/Copenhagen") == "1 Jul 2026 12:00"
    assert week(date(2026, 12, 3), "sv") == "v. 49" and week("2026-01-01", "da") == "uge 1"
    assert day(None, "sv") == "–"
