"""MkDocs hook: the example notebooks of ``examples/`` on the site, as executed and stored.

mkdocs-jupyter renders them without running them (``execute: false``); the test
suite runs them (``tests/test_examples.py``) and they are kept with their outputs.
A notebook with a code cell that was never run, cells run out of order, or an
error output fails the build, so the site never shows a broken example.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLES = "examples"


def notebook_problems(path: Path) -> list[str]:
    """Why the stored notebook at ``path`` is not a clean top-to-bottom run (empty if it is)."""
    notebook = nbformat.read(path, as_version=4)
    problems, last = [], 0
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        count = cell.get("execution_count")
        if count is None:
            problems.append(f"cell {number} was never run")
            continue
        if count <= last:
            problems.append(f"cell {number} was run out of order (execution count {count})")
        last = count
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {number} raised {output.get('ename')}")
    return problems


@event_priority(100)  # before mkdocs-jupyter turns notebook files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add ``examples/*.ipynb`` to the site after checking that each ran cleanly."""
    for path in sorted((REPOSITORY / EXAMPLES).glob("*.ipynb")):
        problems = notebook_problems(path)
        if problems:
            raise PluginError(
                f"{path.relative_to(REPOSITORY)} is not a clean, executed notebook: "
                f"{'; '.join(problems)}. Re-run it top to bottom and save it with its outputs."
            )
        files.append(
            File(
                f"{EXAMPLES}/{path.name}",
                src_dir=str(REPOSITORY),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files
