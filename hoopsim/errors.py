"""The CLI's own error type. Together with engine.errors.HoopsimDataError (bad data) and
engine.errors.HoopsimConfigError (a bad name or option) it is what ``hoopsim`` turns
into one line on stderr and exit code 2 (hoopsim.cli.main)."""

from __future__ import annotations


class UsageError(Exception):
    """A mistake on the command line or in a task's settings (exit code 2)."""
