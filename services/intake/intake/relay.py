"""Entrypoint: publish intake's stored events to Kafka."""

from kernel.runners import run_relay
from kernel.settings import Settings

ROUTES = {"inquiry": "intake.inquiry.v1", "signin": "intake.signin.v1"}


def main() -> None:
    run_relay(Settings.from_env("intake"), ROUTES)


if __name__ == "__main__":
    main()
