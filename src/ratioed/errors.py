"""The one exception type the library raises for bad input, with a message a person can act on."""

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
