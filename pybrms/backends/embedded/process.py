"""Run driver processes with per-chain progress bars; Ctrl-C stops them all.

The driver prints ``chain K: Iteration: i / n [ p%] (Warmup)`` lines on stdout.
Reader threads parse them into progress bars and collect stderr; the calling
thread only waits, so a KeyboardInterrupt always reaches it and kills every
child before it propagates. The children die with the Python process too
(see :mod:`pybrms.backends.launch`).
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pybrms.backends import launch
from pybrms.progress import SafeBar

logger = logging.getLogger(__name__)

_ITERATION = re.compile(r"^chain (\d+): Iteration:\s*(\d+)\s*/\s*(\d+)\s*\[\s*\d+%\]\s*\((\w+)\)")


@dataclass
class ProcessOutput:
    """What one finished process left behind."""

    command: list[str]
    returncode: int
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def run_processes(
    commands: Sequence[list[str]],
    cwd: Path,
    chain_ids: Sequence[int],
    iterations: int,
    show_progress: bool,
    env: Mapping[str, str] | None = None,
) -> list[ProcessOutput]:
    """Run ``commands`` concurrently and wait for all of them.

    Parameters
    ----------
    commands
        One argument list per process.
    cwd
        Working directory of the processes.
    chain_ids
        Every chain id the processes will report, for one progress bar each.
    iterations
        Warmup plus sampling iterations of one chain (the bars' total).
    show_progress
        Show one tqdm bar per chain.
    env
        Environment of the processes (default: this process's).

    Returns
    -------
    list[ProcessOutput]
        In the order of ``commands``.
    """
    bars = {
        chain: SafeBar(
            show_progress,
            desc=f"chain {chain}",
            total=iterations,
            position=i,
            leave=False,
            unit="it",
        )
        for i, chain in enumerate(chain_ids)
    }
    outputs = [ProcessOutput(command=list(c), returncode=-1) for c in commands]
    processes = [
        launch.start(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
        )
        for command in commands
    ]
    readers = []
    for process, output in zip(processes, outputs, strict=True):
        readers.append(
            threading.Thread(target=_read_stdout, args=(process, output, bars), daemon=True)
        )
        readers.append(threading.Thread(target=_read_stderr, args=(process, output), daemon=True))
    for reader in readers:
        reader.start()
    try:
        for process, output in zip(processes, outputs, strict=True):
            output.returncode = launch.wait(process)
        for reader in readers:
            reader.join()
    except BaseException:
        for process in processes:
            launch.stop(process)
        raise
    finally:
        for bar in bars.values():
            bar.close()
    return outputs


def run_once(command: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> ProcessOutput:
    """Run one short driver command (info, log_prob) and collect its output."""
    outputs = run_processes(
        [command], cwd, chain_ids=(), iterations=0, show_progress=False, env=env
    )
    return outputs[0]


def _read_stdout(process: subprocess.Popen, output: ProcessOutput, bars: dict) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        match = _ITERATION.match(line)
        if match and int(match.group(1)) in bars:
            bars[int(match.group(1))].update_to(int(match.group(2)), postfix=match.group(4))
        else:
            output.stdout.append(line.rstrip("\n"))


def _read_stderr(process: subprocess.Popen, output: ProcessOutput) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        output.stderr.append(line.rstrip("\n"))
