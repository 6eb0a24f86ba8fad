"""Development stack: starts the embedded broker, store and SMTP sink and the services,
for the run command, the tests and the benchmarks. Not used in production."""

# the services the development stack runs (the kernel knows none of them)
SERVICES = ("intake", "business_desk", "notify", "vouchers")


def settings_of(service: str):  # type: ignore[no-untyped-def]
    """The settings a service's processes read from this environment (its own class:
    the kernel's fields and the service's); another name gets the kernel's alone."""
    from business_desk.settings import DeskSettings
    from intake.settings import IntakeSettings
    from kernel.platform.settings import Settings
    from notify.settings import NotifySettings
    from vouchers.settings import VouchersSettings

    classes = {
        "intake": IntakeSettings,
        "business_desk": DeskSettings,
        "notify": NotifySettings,
        "vouchers": VouchersSettings,
    }
    return classes.get(service, Settings).from_env(service)
