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

    def __reduce__(self):        # pickles (a job's error crossing processes: Ray, submitit)
        return _rebuild, (type(self), self.args, dict(self.__dict__))


class HoopsimConfigError(ValueError):
    """A value a user named or set is not valid (an unknown offense, a bad option).

    The message names the option, the value and what would be accepted; the CLI prints
    it as one line and exits with code 2."""

    def __init__(self, option: str, value, problem: str):
        self.option, self.value, self.problem = str(option), value, str(problem)
        super().__init__(f"{self.option}={value!r}: {self.problem}")

    def __reduce__(self):
        return _rebuild, (type(self), self.args, dict(self.__dict__))


def _rebuild(cls, args: tuple, state: dict):
    """An error of type ``cls`` with its message and attributes, without calling __init__
    (whose arguments differ from the message the exception holds)."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err
