"""Files pybrms writes for the user (saved fits, Stan programs and data): atomically,
and never over an existing file unless asked to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pybrms.errors import PybrmsError

__all__ = ["atomic_file"]


@contextmanager
def atomic_file(
    target: str | os.PathLike[str], *, overwrite: bool, error: type[PybrmsError]
) -> Iterator[BinaryIO]:
    """A binary handle whose content appears at ``target`` only once it is complete.

    The content goes to a temporary file in the target's folder, flushed to disk and
    renamed into place when the block ends; if the block raises, nothing is left.

    Parameters
    ----------
    target
        Where the file goes.
    overwrite
        Replace an existing file; otherwise an existing ``target`` (found before or
        after writing) raises ``error``.
    error
        The exception class raised when ``target`` exists.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pybrms.errors import PybrmsError
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_file(path, overwrite=False, error=PybrmsError) as handle:
    ...     _ = handle.write(b"done")
    >>> path.read_text()
    'done'
    """
    path = Path(target)
    if path.exists() and not overwrite:
        raise error(_exists(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        _publish(Path(temporary), path, overwrite, error)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _exists(path: Path) -> str:
    return f"{str(path)!r} exists; pass overwrite=True to replace it"


def _publish(temporary: Path, target: Path, overwrite: bool, error: type[PybrmsError]) -> None:
    """Rename the finished file into place; without ``overwrite``, never over an existing one."""
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # atomic, and fails if the target appeared meanwhile
    except FileExistsError:
        raise error(_exists(target)) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise error(_exists(target)) from None
        os.replace(temporary, target)
