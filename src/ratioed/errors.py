"""The exception type the library raises for bad input, with a message a person can act on:
:class:`InputError`, and its two kinds for a build's parameters (:class:`ParameterError`,
:class:`FileNotFound`), which name the Make variable."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, located as precisely as the layout allows.

    ``str(err)`` reads ``<file>, <where>, field '<field>': <problem>``; ``where`` is
    ``line N`` (JSON Lines, JSON text), ``row N`` (CSV/Parquet data row, 1-based, header not
    counted), or ``record N`` (element of a JSON array, 1-based).
    """

    def __init__(self, source: object, problem: str, *, where: str | None = None,
                 field: str | None = None, hint: str | None = None):
        self.source = str(source)
        self.problem = problem
        self.where = where
        self.field = field
        self.hint = hint
        parts = [self.source]
        if where:
            parts.append(where)
        if field:
            parts.append(f"field '{field}'")
        msg = ", ".join(parts) + ": " + problem
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)

    def __reduce__(self):  # picklable, so an error raised in a Dask worker reaches the caller
        return (_rebuild, (self.source, self.problem, self.where, self.field, self.hint))


def _rebuild(source, problem, where, field, hint) -> InputError:
    return InputError(source, problem, where=where, field=field, hint=hint)


class ParameterError(InputError):
    """A parameter value refused: names the Make variable, the value and what is accepted."""

    def __init__(self, var: str, value: object, problem: str, *, origin: str | None = None,
                 choices: str | None = None):
        self.var, self.value, self.origin, self.choices = var, value, origin, choices
        self.source, self.problem, self.where, self.field, self.hint = var, problem, None, None, None
        where = f" ({origin})" if origin else ""
        msg = f"{var}={value!r}{where}: {problem}" + (f"; choices: {choices}" if choices else "")
        ValueError.__init__(self, msg)


class FileNotFound(InputError):
    """A named input file does not exist: ``file not found: <path> (Make variable SOURCE)``."""

    def __init__(self, path: object, var: str, origin: str | None = None):
        self.var, self.path = var, str(path)
        self.source, self.problem, self.where, self.field, self.hint = \
            str(path), "file not found", None, None, None
        at = f"{origin}; Make variable {var}" if origin else f"Make variable {var}"
        ValueError.__init__(self, f"file not found: {path} ({at})")

