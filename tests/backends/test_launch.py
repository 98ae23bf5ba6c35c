"""The pool of child processes that runs compilers and linkers, a core each."""

from __future__ import annotations

import time

import psutil
import pytest

from pybrms.backends.launch import Pool


def _timed(name: str, seconds: float) -> list[str]:
    """A command that writes its start and end (ns) to ``name``, sleeping in between."""
    return ["sh", "-c", f"date +%s%N > {name}; sleep {seconds}; date +%s%N >> {name}"]


def test_the_next_command_starts_as_soon_as_one_ends_and_never_more_than_jobs(tmp_path):
    # "long" holds one core all along: the short ones share the other, one after another
    with Pool(tmp_path, jobs=2) as pool:
        pool.submit(_timed("long", 3.0), "long")
        for number in range(3):
            pool.submit(_timed(f"short{number}", 0.2), f"short{number}")
        order = [tag for tag, result in pool.finished() if result.returncode == 0]
    assert order == ["short0", "short1", "short2", "long"]
    spans = [tuple(int(line) for line in (tmp_path / tag).read_text().split()) for tag in order]
    for start, _ in spans:
        assert sum(begin <= start < end for begin, end in spans) <= 2


def test_commands_queued_first_run_before_the_others_and_while_it_runs(tmp_path):
    with Pool(tmp_path, jobs=1) as pool:
        pool.submit(["true"], "a")
        pool.submit(["true"], "b")
        order = []
        for tag, _ in pool.finished():
            order.append(tag)
            if tag == "a":
                pool.submit(["true"], "after a", first=True)
    assert order == ["a", "after a", "b"]


def test_results_carry_the_output_and_the_exit_status(tmp_path):
    with Pool(tmp_path, jobs=2) as pool:
        pool.submit(["sh", "-c", "echo out; echo err >&2; exit 3"], "fails")
        ((tag, result),) = list(pool.finished())
    assert (tag, result.returncode, result.stdout, result.stderr) == ("fails", 3, "out\n", "err\n")


def test_leaving_the_pool_by_an_exception_kills_what_still_runs(tmp_path):
    with pytest.raises(RuntimeError), Pool(tmp_path, jobs=2) as pool:
        pool.submit(["sh", "-c", "echo $$ > pid; exec sleep 60"], "slow")
        pool.submit(["sh", "-c", "sleep 1"], "quick")
        for _ in pool.finished():
            raise RuntimeError("the caller fails")
    pid = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the command outlived its pool"
        time.sleep(0.05)
