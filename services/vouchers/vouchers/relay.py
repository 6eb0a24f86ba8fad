"""Entrypoint: publish the vouchers service's stored events to Kafka."""

from kernel.platform.runners import run_relay
from kernel.platform.settings import Settings

ROUTES = {
    "provider": "vouchers.provider.v1",
    "programme": "vouchers.programme.v1",
    "voucher": "vouchers.voucher.v1",
    "payment": "vouchers.payment.v1",
}


def main() -> None:
    run_relay(Settings.from_env("vouchers"), ROUTES)


if __name__ == "__main__":
    main()
