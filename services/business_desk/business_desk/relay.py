"""Entrypoint: publish business_desk's stored events to Kafka."""

from kernel.platform.runners import run_relay
from kernel.platform.settings import Settings

ROUTES = {"case": "business_desk.case.v1"}


def main() -> None:
    run_relay(Settings.from_env("business_desk"), ROUTES)


if __name__ == "__main__":
    main()
