"""The one exception type a user sees: its message is printed as is, and kb exits 1."""


class KbError(Exception):
    """An expected failure (bad config, bad input, failed source).

    The message names the file or source and what is wrong, on one line per problem.
    """


def described(exc: BaseException) -> str:
    """What a failure says to the user: a KbError its own message, anything else its type too
    (it is not one kb expected, so its message alone may not make sense)."""
    return str(exc) if isinstance(exc, KbError) else f"{type(exc).__name__}: {exc}"
