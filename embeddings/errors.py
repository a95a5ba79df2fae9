"""Model loading errors."""

__all__ = ["ModelError"]


class ModelError(Exception):
    """The embedding model cannot be loaded as configured (missing, changed, wrong kind)."""
