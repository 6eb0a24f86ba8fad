"""Entrypoint: publish business_desk's stored events to Kafka."""

from business_desk.settings import DeskSettings
from kernel.platform.runners import run_relay

ROUTES = {"case": "business_desk.case.v1"}


def main() -> None:
    run_relay(DeskSettings.from_env(), ROUTES)


if __name__ == "__main__":
    main()
