"""Entrypoint: publish notify's delivery log (and its dead letters) to Kafka."""

from kernel.platform.runners import run_relay
from notify.deliverylog import ROUTES
from notify.settings import NotifySettings


def main() -> None:
    run_relay(NotifySettings.from_env(), ROUTES)


if __name__ == "__main__":
    main()
