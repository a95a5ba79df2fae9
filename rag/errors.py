"""The errors the core raises; the CLI and the HTTP layer translate them in one place each."""

__all__ = ["Busy", "Damaged", "IndexMismatch", "InvalidInput", "NotFound", "RagError"]


class RagError(Exception):
    """Base class: anything the user can act on."""


class InvalidInput(RagError):
    """The caller sent something we cannot use (empty question, bad bytes, unknown format)."""


class NotFound(RagError):
    """A document id that is not in the library."""


class IndexMismatch(RagError):
    """The data directory was built with another model or schema than the one in use."""


class Busy(RagError):
    """Another process holds the writer lock."""


class Damaged(RagError):
    """`library.sqlite3` cannot be read (overwritten, truncated): nothing is changed in it."""
