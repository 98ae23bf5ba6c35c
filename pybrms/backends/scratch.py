"""Temporary run directories (data, config and CSV files of one sampler run).

A run directory holds a lock file that its owner keeps locked while it uses
the directory. When the owner is killed (SIGKILL, SIGTERM) before it can clean
up, the lock is released with it, and the next run directory created by any
process removes the leftovers; a directory whose owner still runs is never touched.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

PREFIX = "pybrms-run-"
OWNER = ".owner"


@contextlib.contextmanager
def run_directory() -> Iterator[Path]:
    """A fresh directory in the temporary directory, removed on exit.

    Examples
    --------
    >>> with run_directory() as directory:
    ...     directory.name.startswith(PREFIX)
    True
    >>> directory.exists()
    False
    """
    sweep()
    directory = Path(tempfile.mkdtemp(prefix=PREFIX))
    lock = None
    try:
        # Locked under a temporary name, then renamed: a sweeper that finds the
        # lock file finds it locked.
        lock = os.open(directory / f"{OWNER}.new", os.O_WRONLY | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.rename(directory / f"{OWNER}.new", directory / OWNER)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def sweep() -> None:
    """Remove run directories whose owner process is gone (their lock is free)."""
    for directory in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            lock = os.open(directory / OWNER, os.O_RDONLY)
        except OSError:  # being created, not ours, or already removed
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # its owner is alive
            continue
        finally:
            # Closing releases a lock we took; the directory goes right after.
            os.close(lock)
        logger.info("removing %s, left by a killed run", directory)
        shutil.rmtree(directory, ignore_errors=True)
