"""Entrypoint: publish the vouchers service's stored events to Kafka."""

from kernel.platform.runners import run_relay
from vouchers.settings import VouchersSettings

ROUTES = {
    "provider": "vouchers.provider.v1",
    "programme": "vouchers.programme.v1",
    "voucher": "vouchers.voucher.v1",
    "payment": "vouchers.payment.v1",
}


def main() -> None:
    run_relay(VouchersSettings.from_env(), ROUTES)


if __name__ == "__main__":
    main()
