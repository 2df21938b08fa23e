"""Failure details as the app's author needs them: the stack of the app's own code, not the host's."""

from __future__ import annotations

import traceback
from pathlib import Path

import azure.durable_functions
import azure.functions

#: Code that calls into the app: the local host itself and the SDKs whose wrappers run every function.
_CALLERS = (
    *(str(Path(str(module.__file__)).parent) for module in (azure.durable_functions, azure.functions)),
    str(Path(__file__).parents[1]),  # the devhost package
)


def user_traceback(exc: BaseException) -> str:
    """The exception formatted from the first frame that is not the host's or an SDK wrapper's.

    In Azure the worker reports a function's exception without the host's own frames; a trace that
    started in ``devhost/runtime/engine.py`` would point the reader at code that does not exist there.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_CALLERS):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()


def describe(exc: BaseException) -> str:
    """``Type: message``, as the Python worker words a function's exception."""
    return f"{type(exc).__name__}: {exc}"


def where(exc: BaseException, root: Path) -> str:
    """`` (file.py:12)``: the innermost line of the app's own code the exception came from, if any."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f" ({_relative(exc.filename, root)}:{exc.lineno})"
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(str(root)) and ".venv" not in Path(frame.filename).parts:
            found = f" ({_relative(frame.filename, root)}:{frame.lineno})"
    return found


def _relative(filename: str, root: Path) -> str:
    try:
        return str(Path(filename).relative_to(root))
    except ValueError:
        return filename
