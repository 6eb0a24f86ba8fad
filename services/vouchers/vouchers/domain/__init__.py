"""The vouchers domain: programmes' providers, citizens' vouchers, redemptions and
payments. Pure logic, no I/O: functions take the current state and return new events."""


class Refused(Exception):
    """A command the rules do not allow; the message says why, for the caller to show.
    `field` names the input at fault, when there is one; `key` and `params` name the
    message in the pages' catalogues (the English message is the API's)."""

    def __init__(
        self, message: str, field: str | None = None, key: str | None = None, **params: object
    ) -> None:
        super().__init__(message)
        self.field = field
        self.key = key
        self.params = params
