"""Entrypoint: publish intake's stored events to Kafka."""

from kernel.platform.runners import run_relay
from kernel.platform.settings import Settings

ROUTES = {"inquiry": "intake.inquiry.v1", "signin": "intake.signin.v1"}


def main() -> None:
    run_relay(Settings.from_env("intake"), ROUTES)


if __name__ == "__main__":
    main()
