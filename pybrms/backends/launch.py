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

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The command runs in the background so that the trap fires while ``wait`` waits;
# ``kill 0`` signals the watchdog's own group, which the command shares.
WATCHDOG = 'trap "kill -KILL 0" TERM; "$@" & wait $!'

_PR_SET_PDEATHSIG = 1


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
    with contextlib.ExitStack() as files:
        # Files, not pipes: a command that fills its pipe while we wait for another stalls.
        outputs = [
            (
                files.enter_context(tempfile.TemporaryFile("w+")),
                files.enter_context(tempfile.TemporaryFile("w+")),
            )
            for _ in commands
        ]
        processes: list[subprocess.Popen] = []
        try:
            for command, (stdout, stderr) in zip(commands, outputs, strict=True):
                processes.append(start(command, cwd=cwd, stdout=stdout, stderr=stderr))
            statuses = [wait(process) for process in processes]
        except BaseException:
            for process in processes:
                stop(process)
            raise
        results = []
        for command, status, (stdout, stderr) in zip(commands, statuses, outputs, strict=True):
            stdout.seek(0)
            stderr.seek(0)
            results.append(
                subprocess.CompletedProcess(command, status, stdout.read(), stderr.read())
            )
        return results


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_parent_death_signal() -> None:  # runs in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return set_parent_death_signal
