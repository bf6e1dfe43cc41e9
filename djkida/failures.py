"""Logging a failure the page already shows as a fallback.

A section that failed and was replaced by its stand-in is handled: in production its traceback
is noise repeated on every page view, so it is logged as one ERROR line; with ``DEBUG`` (or the
backend's ``debug``) the traceback comes along to find the cause.
"""

import logging

__all__ = ["log_shown_failure"]


def log_shown_failure(
    logger: logging.Logger, error: BaseException, debug: bool, message: str, *args: object
) -> None:
    """Log ``message % args`` and the error in one line; its traceback only with ``debug``.

    Example::

        log_shown_failure(logger, exc, debug, "suspense block %r failed", "stats")
    """
    logger.error(
        message + ": %s: %s", *args, type(error).__name__, error, exc_info=error if debug else None
    )
