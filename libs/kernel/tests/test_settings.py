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


def test_a_services_settings_are_of_its_service_unless_another_is_named() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, kw_only=True)
    class ToySettings(Settings):
        of_service = "toy"

    assert ToySettings.from_env().service == "toy"
    assert ToySettings.from_env("tests").database.endswith("tests")
    with pytest.raises(TypeError, match="needs the service's name"):
        Settings.from_env()


def test_a_config_file_and_a_base_url_come_from_the_environment_else_their_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kernel.platform.settings import REPO_ROOT, base_url, config_file

    monkeypatch.delenv("TOY_FILE", raising=False)
    monkeypatch.setenv("TOY_URL", "http://toy.example/ ")
    assert config_file("TOY_FILE", "toy.yaml") == REPO_ROOT / "config" / "toy.yaml"
    assert base_url("TOY_URL", "http://127.0.0.1:1") == "http://toy.example"
