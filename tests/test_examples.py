"""The example notebooks run from top to bottom (executed on a copy; the files are untouched)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.slow
@pytest.mark.stan
# one worker runs them one after the other: two kernels never start at once, and the
# slowest tests start early (xdist hands out larger groups first)
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("name", ["epilepsy.ipynb", "flash_pbmc.ipynb", "threading.ipynb"])
def test_notebook_runs(name, monkeypatch):
    # Notebooks that time or fit large problems shrink them when asked; the kernel inherits
    # the environment. The stored outputs come from full-size runs.
    monkeypatch.setenv("PYBRMS_EXAMPLE_QUICK", "1")
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    ).execute()
    errors = [
        o
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
