import pytest

from kernel.platform.settings import Settings


@pytest.mark.parametrize(("value", "expected"), [("", None), ("0.9", (0, 9)), ("2.8.1", (2, 8, 1))])
def test_the_kafka_protocol_version_is_asked_of_the_broker_unless_named(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[int, ...] | None
) -> None:
    monkeypatch.setenv("KAFKA_API_VERSION", value)
    assert Settings.from_env("tests").kafka_api_version == expected


def test_a_kafka_protocol_version_that_is_not_one_stops_the_process_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_API_VERSION", "zero.nine")
    with pytest.raises(ValueError, match="KAFKA_API_VERSION"):
        Settings.from_env("tests")
