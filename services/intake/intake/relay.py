"""Entrypoint: publish intake's stored events to Kafka."""

from intake.settings import IntakeSettings
from kernel.platform.runners import run_relay

ROUTES = {"inquiry": "intake.inquiry.v1", "signin": "intake.signin.v1"}


def main() -> None:
    run_relay(IntakeSettings.from_env(), ROUTES)


if __name__ == "__main__":
    main()
