"""Entrypoint: publish notify's delivery log (and its dead letters) to Kafka."""

from kernel.platform.runners import run_relay
from kernel.platform.settings import Settings
from notify.deliverylog import ROUTES


def main() -> None:
    run_relay(Settings.from_env("notify"), ROUTES)


if __name__ == "__main__":
    main()
