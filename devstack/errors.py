class StartupError(RuntimeError):
    """A local infrastructure part could not be started; the message is one human line."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"{part}: {reason}")
