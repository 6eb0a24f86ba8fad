class IllegalTransition(Exception):
    """The command is not allowed in the case's current state. The message is an English
    gettext message id with named parameters, so a page can word it in its own language."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message_id, self.params = message, params
