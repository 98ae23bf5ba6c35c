"""Run directories: removed after use, swept when a killed owner leaves one, never while in use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile

import pytest

from pybrms.backends.scratch import OWNER, PREFIX, run_directory, sweep


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """A temporary directory of our own, for this process and its children."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def leave_run_directory(signum):
    """A child Python that is killed by ``signum`` inside a run directory; returns its path."""
    script = (
        "import os, signal\n"
        "from pybrms.backends.scratch import run_directory\n"
        "with run_directory() as directory:\n"
        "    print(directory, flush=True)\n"
        f"    os.kill(os.getpid(), {int(signum)})\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=os.environ.copy()
    )
    assert child.returncode == -signum
    return child.stdout.strip()


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_directory_of_a_killed_run_is_swept_by_the_next_run(temp_dir, signum):
    left = leave_run_directory(signum)
    assert os.path.isdir(left) and os.path.basename(left).startswith(PREFIX)
    with run_directory() as directory:
        assert directory.parent == temp_dir
        assert not os.path.exists(left)
    assert not directory.exists()


def test_directory_in_use_is_never_swept(temp_dir):
    with run_directory() as mine:
        # A live owner in another process.
        script = (
            "import sys\n"
            "from pybrms.backends.scratch import run_directory\n"
            "with run_directory() as directory:\n"
            "    print(directory, flush=True)\n"
            "    sys.stdin.readline()\n"
        )
        other = subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        theirs = other.stdout.readline().strip()
        sweep()
        assert (mine / OWNER).exists() and os.path.exists(os.path.join(theirs, OWNER))
        other.communicate("done\n", timeout=60)
        assert not os.path.exists(theirs)


def test_directories_without_an_owner_file_are_not_ours_to_remove(temp_dir):
    foreign = temp_dir / f"{PREFIX}foreign"
    foreign.mkdir()
    sweep()
    assert foreign.is_dir()
