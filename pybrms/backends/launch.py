"""Child processes (compilers, samplers) that never outlive the Python process.

Each command runs in a process group of its own under a tiny ``sh`` watchdog.
On Linux the watchdog receives SIGTERM when the Python process dies, however it
dies (even by SIGKILL), and then kills its whole group: ``g++`` together with
the ``cc1plus`` it forks, or a sampler. :func:`stop` (used on Ctrl-C and on
errors) kills the group at once.

The parent-death signal belongs to the thread that starts the process, so a
process must be waited for on the thread that started it (as everything here does).
"""

from __future__ import annotations

import collections
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

# The command runs in the background so that the trap fires while ``wait`` waits;
# ``kill 0`` signals the watchdog's own group, which the command shares.
WATCHDOG = 'trap "kill -KILL 0" TERM; "$@" & wait $!'

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")


def start(command: list[str], **popen_kwargs: Any) -> subprocess.Popen:
    """Start ``command`` in a new process group that dies with this process.

    Parameters
    ----------
    command
        Program and arguments.
    **popen_kwargs
        Passed to :class:`subprocess.Popen` (``cwd``, ``stdout``, ``env``, ...).

    Returns
    -------
    subprocess.Popen
        The watchdog; read its exit status with :func:`wait`.

    Examples
    --------
    >>> wait(start(["sh", "-c", "exit 3"]))
    3
    """
    return subprocess.Popen(
        ["/bin/sh", "-c", WATCHDOG, "pybrms-watchdog", *command],
        process_group=0,
        preexec_fn=_die_with_parent(os.getpid()),
        **popen_kwargs,
    )


def wait(process: subprocess.Popen, timeout: float | None = None) -> int:
    """Wait for a process from :func:`start`; ``-N`` if a signal N ended the command.

    Examples
    --------
    >>> wait(start(["sh", "-c", "kill -SEGV $$"]))
    -11
    """
    status = process.wait(timeout)
    # sh reports a command ended by signal N as 128 + N; Popen's convention is -N.
    return 128 - status if status > 128 else status


def stop(process: subprocess.Popen) -> None:
    """Kill the process group of ``process`` (the command and all its children) and reap it.

    Examples
    --------
    >>> process = start(["sleep", "60"])
    >>> stop(process)
    >>> process.returncode
    -9
    """
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the group has already ended
        pass
    process.wait()


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``command`` to its end and capture its output as text; any exception
    (KeyboardInterrupt included) kills its whole process group first.

    Examples
    --------
    >>> run(["echo", "hello"], Path(".")).stdout
    'hello\\n'
    """
    return run_all([command], cwd)[0]


def run_all(commands: list[list[str]], cwd: Path) -> list[subprocess.CompletedProcess]:
    """Run ``commands`` at the same time (one core each, as two compilers can), wait for
    all and capture their output as text; any exception (KeyboardInterrupt included)
    kills all their process groups first.

    Examples
    --------
    >>> [result.stdout for result in run_all([["echo", "a"], ["echo", "b"]], Path("."))]
    ['a\\n', 'b\\n']
    """
    with Pool[int](cwd, jobs=len(commands)) as pool:
        for index, command in enumerate(commands):
            pool.submit(command, index)
        results = dict(pool.finished())
    return [results[index] for index in range(len(commands))]


class Pool(Generic[T]):
    """Runs commands at most ``jobs`` at a time, starting the next as soon as one ends.

    Commands are queued with a tag (what the caller needs to handle the result);
    :meth:`finished` yields each ended command's tag and result (output captured as
    text) while the queue runs, and commands queued meanwhile run too. Leaving the
    ``with`` block, by an exception too (KeyboardInterrupt included), kills the
    process groups still running.

    Examples
    --------
    >>> with Pool(Path("."), jobs=2) as pool:
    ...     pool.submit(["echo", "a"], "a")
    ...     pool.submit(["echo", "b"], "b")
    ...     sorted(result.stdout for _, result in pool.finished())
    ['a\\n', 'b\\n']
    """

    # how often the running commands are checked: negligible next to a compiler's run
    POLL_SECONDS = 0.05

    def __init__(self, cwd: Path, jobs: int) -> None:
        self.cwd = cwd
        self.jobs = max(1, jobs)
        self._queue: collections.deque[tuple[list[str], T]] = collections.deque()
        self._running: list[tuple[subprocess.Popen, list[str], T, Any, Any]] = []

    def __enter__(self) -> Pool[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process, *_, stdout, stderr in self._running:
            stop(process)
            stdout.close()
            stderr.close()
        self._running.clear()

    def submit(self, command: list[str], tag: T, first: bool = False) -> None:
        """Queue ``command`` (before the queued ones if ``first``)."""
        if first:
            self._queue.appendleft((command, tag))
        else:
            self._queue.append((command, tag))

    def finished(self) -> Iterator[tuple[T, subprocess.CompletedProcess]]:
        """Each ended command's tag and result, in the order they end, until nothing is
        queued or running."""
        while self._queue or self._running:
            while self._queue and len(self._running) < self.jobs:
                command, tag = self._queue.popleft()
                # Files, not pipes: a command that fills its pipe while we poll stalls.
                stdout, stderr = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
                process = start(command, cwd=self.cwd, stdout=stdout, stderr=stderr)
                self._running.append((process, command, tag, stdout, stderr))
            ended = next((job for job in self._running if job[0].poll() is not None), None)
            if ended is None:
                time.sleep(self.POLL_SECONDS)
                continue
            self._running.remove(ended)
            process, command, tag, stdout, stderr = ended
            with stdout, stderr:
                stdout.seek(0)
                stderr.seek(0)
                result = subprocess.CompletedProcess(
                    command, wait(process), stdout.read(), stderr.read()
                )
            yield tag, result


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_parent_death_signal() -> None:  # runs in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return set_parent_death_signal
