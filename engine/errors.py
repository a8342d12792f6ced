"""The one error type for bad input: it names the file, the record and the problem."""

from __future__ import annotations


class HoopsimDataError(ValueError):
    """Raised for any malformed, inconsistent or unusable input data.

    Every reader catches lower-level failures (JSON, CSV, decompression, numeric
    conversion) and re-raises them as this type, so callers handle one exception.
    """

    def __init__(self, file: str, record: str, problem: str):
        self.file = str(file)
        self.record = str(record)
        self.problem = str(problem)
        super().__init__(f"{self.file}: {self.record}: {self.problem}")
