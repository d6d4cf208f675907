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


class PlatformLimitError(ShopdeskError):
    """The company's store platform cannot make this change through its API (a return on
    WooCommerce or Shopify's REST API, an address it will no longer take): a person has to.

    Actions turn it into a ticket for the team and tell the customer so, politely
    (``actions.base.ServiceAction``); ``str(e)`` says what was asked, for the ticket.
    """


class ConflictError(ShopdeskError):
    """The change collides with another one (e.g. a conversation another agent claimed)."""


class ForbiddenError(ShopdeskError):
    """Signed in, but this record is not the caller's to work on."""
