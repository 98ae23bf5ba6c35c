"""Progress bars written to a log (not a terminal) write a few lines, not one per update."""

from __future__ import annotations

import io
import re

import pytest

from pybrms import progress
from pybrms.progress import SafeBar


def lines(text):
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


@pytest.mark.parametrize("total", [100, 1000, 20000])
def test_log_gets_a_line_per_tenth_of_the_bar(total):
    log = io.StringIO()
    bar = SafeBar(True, total=total, file=log, desc="chain 1", leave=False)
    for i in range(1, total + 1):
        bar.update_to(i)
    bar.close()
    written = lines(log.getvalue())
    assert len(written) <= 12  # the start, ten steps, and the end
    assert "100%" in written[-1]


def test_log_gets_a_line_every_thirty_seconds_of_slow_progress(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    log = io.StringIO()
    bar = SafeBar(True, total=1000, file=log, desc="chain 1")
    start = len(lines(log.getvalue()))
    for i in range(1, 11):  # one iteration every 10 s: 1% in 100 s
        clock[0] += 10.0
        bar.update_to(i)
    assert len(lines(log.getvalue())) - start == 3  # at 30, 60 and 90 s


def test_terminal_redraws_every_update():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    bar = SafeBar(True, total=100, file=screen, desc="chain 1")
    for i in range(1, 101):
        bar.update_to(i)
    assert len(lines(screen.getvalue())) > 50


def test_notebook_bar_prints_no_tqdm_warning():
    """In a notebook kernel the bar draws without tqdm's "IProgress not found" warning."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = "from pybrms.progress import SafeBar\n"
    code += "bar = SafeBar(True, total=3, desc='chain 1')\nbar.update_to(3)\nbar.close()"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    text = "".join(str(output) for output in notebook.cells[0].outputs)
    assert "chain 1" in text
    assert "Warning" not in text
