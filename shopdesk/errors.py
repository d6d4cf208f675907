"""The project's error hierarchy: one root, a few specific subclasses."""


class ShopdeskError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(ShopdeskError):
    """A setting is missing or has a value we cannot use."""


class NotFoundError(ShopdeskError):
    """A looked-up record does not exist (or does not belong to the caller)."""


class InvalidRequestError(ShopdeskError):
    """The request is well-formed but not allowed in the record's current state."""


class StoreUnavailableError(ShopdeskError):
    """A backing store (database, index) cannot be reached or read."""


class ConflictError(ShopdeskError):
    """The change collides with another one (e.g. a conversation another agent claimed)."""


class ForbiddenError(ShopdeskError):
    """Signed in, but this record is not the caller's to work on."""
