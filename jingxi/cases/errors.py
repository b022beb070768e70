"""The error of the case services: below both `services` and `effects`."""


class CaseInputError(ValueError):
    """Bad input to a case service; the message says what is wrong, in Chinese."""
