"""All exceptions raised by pybrms, in one hierarchy, and where its warnings point.

Every error derives from :class:`PybrmsError`, so ``except PybrmsError`` catches
anything the package raises on purpose.
"""

from __future__ import annotations

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.realpath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` in the calling function that points at
    the first frame outside pybrms: the user's call, however deep the package's own
    calls are.

    Examples
    --------
    >>> user_stacklevel()  # called from outside the package: the caller itself
    1
    """
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.realpath(frame.f_code.co_filename).startswith(
        _PACKAGE
    ):
        frame, level = frame.f_back, level + 1
    return level


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the user's line: the first caller outside pybrms.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_user("careful")
    >>> str(caught[0].message)
    'careful'
    """
    warnings.warn(message, category, stacklevel=user_stacklevel())


class PybrmsError(Exception):
    """Base class of every pybrms error."""


class FormulaSyntaxError(PybrmsError, ValueError):
    """A formula string is not valid brms syntax; the message marks the offending part."""


class SpecError(PybrmsError, ValueError):
    """The formula, data, family or priors do not make a valid model."""


class DataError(PybrmsError, ValueError):
    """Data passed to a Stan program do not match its declarations."""


class CompileError(PybrmsError, RuntimeError):
    """stanc or the C++ compiler failed; the message carries their output."""


class ToolchainError(PybrmsError, RuntimeError):
    """The Stan toolchain (httpstan wheel or CmdStan) is missing or has an unexpected layout."""


class SamplingError(PybrmsError, RuntimeError):
    """The sampler process failed; the message carries its output."""


class SettingsError(PybrmsError, ValueError):
    """A sampler, threading or executor setting is invalid; the message names it and its rule."""


class CacheError(PybrmsError, OSError):
    """The build cache (``$PYBRMS_CACHE_DIR``) cannot be created, read or written."""


class FlashError(PybrmsError, ValueError):
    """An input to :func:`pybrms.flash.flash` cannot be fitted; the message says which and why."""


class FitFileError(PybrmsError, OSError):
    """A saved fit cannot be written (the file exists) or read (not a pybrms fit file)."""


class OutputFileError(PybrmsError, OSError):
    """A file :func:`pybrms.write_stan` or :meth:`pybrms.draws.Draws.to_csv` would write
    exists and ``overwrite`` is False."""
