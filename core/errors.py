"""The errors EmbedLab shows to people.

Every message says what is wrong and how to fix it. Callers (CLI, pages) print ``str(err)`` as is.
"""


class EmbedLabError(Exception):
    """Base class of the errors that carry a message meant for a person."""


class InputError(EmbedLabError, ValueError):
    """A file, a parameter or an id that cannot be used; the message says why and what to do."""
