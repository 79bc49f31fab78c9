"""The one exception type a user sees: its message is printed as is, and kb exits 1."""


class KbError(Exception):
    """An expected failure (bad config, bad input, failed source).

    The message names the file or source and what is wrong, on one line per problem.
    """
