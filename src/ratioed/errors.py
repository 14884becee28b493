"""The exception type the library raises for bad input, with a message a person can act on:
:class:`InputError`, and its two kinds for a build's parameters (:class:`ParameterError`,
:class:`FileNotFound`), which name the Make variable.

Every message is printed through :func:`printable`: a file name or value holding control
characters (a terminal's escape sequences, a carriage return, a line break) or bytes that are not
UTF-8 is shown with backslash escapes, never passed raw to the terminal or the log."""

from __future__ import annotations

import os
import unicodedata

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_KEPT_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of ordinary names and emoji
_MAX_VALUE = 200  # characters of a refused value shown in a message


def printable(text: object) -> str:
    """``text`` safe to print on one line: C0 and C1 control characters, DEL, line and paragraph
    separators and invisible format characters (bidirectional overrides) as backslash escapes
    (``\\x1b``, ``\\n``, ``\\u202e``); bytes a file name holds that are not UTF-8 (``os.fsdecode``'s
    surrogate escapes) as ``\\xff``. Never raises; ordinary text (any script) is unchanged."""
    if isinstance(text, (bytes, bytearray)):
        text = os.fsdecode(bytes(text))
    elif not isinstance(text, str):
        text = str(text)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, escaped by os.fsdecode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == " " or ch.isprintable() or ch in _KEPT_FORMAT \
                or unicodedata.category(ch) not in ("Cf", "Cs", "Zl", "Zp"):
            out.append(ch)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def shown_value(value: object) -> str:
    """A refused value as a message shows it: its ``repr``, shortened when long."""
    text = repr(value)
    if len(text) <= _MAX_VALUE:
        return text
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[:_MAX_VALUE]}... ({size} characters)"


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
        super().__init__(printable(msg))

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
        msg = f"{var}={shown_value(value)}{where}: {problem}" + \
            (f"; choices: {choices}" if choices else "")
        ValueError.__init__(self, printable(msg))


class FileNotFound(InputError):
    """A named input file does not exist: ``file not found: <path> (Make variable SOURCE)``."""

    def __init__(self, path: object, var: str, origin: str | None = None):
        self.var, self.path = var, str(path)
        self.source, self.problem, self.where, self.field, self.hint = \
            str(path), "file not found", None, None, None
        at = f"{origin}; Make variable {var}" if origin else f"Make variable {var}"
        ValueError.__init__(self, printable(f"file not found: {path} ({at})"))

