"""Draws.to_csv and pybrms.from_csv: a fit written as Stan CSV and read back, unsampled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import FitFileError, OutputFileError, PybrmsError

pytestmark = pytest.mark.stan


@pytest.fixture(scope="module")
def csv_files(line_fit: bm.BrmsFit, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return line_fit.draws.to_csv(tmp_path_factory.mktemp("draws"))


def test_a_fit_read_back_from_its_csv_files_is_the_same_fit(
    line_fit: bm.BrmsFit, line_data: pd.DataFrame, csv_files: list[Path], no_compile: None
) -> None:
    again = bm.from_csv(csv_files, "y ~ x", line_data)
    assert [p.name for p in csv_files] == ["chain-1.csv", "chain-2.csv"]
    assert again.draws.columns == line_fit.draws.columns
    # the driver writes 9 significant digits, and so does to_csv: the same numbers
    np.testing.assert_array_equal(again.draws.values, line_fit.draws.values)
    for read, sampled in zip(again.draws.chains, line_fit.draws.chains, strict=True):
        assert read.step_size == sampled.step_size
        np.testing.assert_array_equal(read.inv_metric, sampled.inv_metric)
        assert read.config == sampled.config
    assert again.settings == line_fit.settings
    assert again.stan_code == line_fit.stan_code
    pd.testing.assert_frame_equal(again.fixef(), line_fit.fixef())
    np.testing.assert_array_equal(again.log_lik(), line_fit.log_lik())


def test_fewer_significant_digits_round_the_draws(
    line_fit: bm.BrmsFit, line_data: pd.DataFrame, tmp_path: Path
) -> None:
    paths = line_fit.draws.to_csv(tmp_path, sig_figs=3)
    rounded = bm.from_csv(paths, "y ~ x", line_data).draws.values
    np.testing.assert_allclose(rounded, line_fit.draws.values, rtol=5e-3)
    assert not np.array_equal(rounded, line_fit.draws.values)


def test_to_csv_keeps_existing_files_unless_asked(line_fit: bm.BrmsFit, tmp_path: Path) -> None:
    (tmp_path / "chain-2.csv").write_text("mine")
    with pytest.raises(OutputFileError, match="chain-2.csv"):
        line_fit.draws.to_csv(tmp_path)
    line_fit.draws.to_csv(tmp_path, overwrite=True)
    assert (tmp_path / "chain-2.csv").read_text().startswith("# chain_id = 2")


def _other_header(files: list[Path], folder: Path) -> list[Path]:
    changed = folder / "chain-2.csv"
    changed.write_text(files[1].read_text().replace("b_Intercept", "b_Other"))
    return [files[0], changed]


def _not_stan_csv(files: list[Path], folder: Path) -> list[Path]:
    path = folder / "notes.csv"
    path.write_text("hello,world\n1,2\n3,4\n")
    return [path]


def _binary(files: list[Path], folder: Path) -> list[Path]:
    path = folder / "draws.npz"
    path.write_bytes(bytes([0x93, 0xFF, 0x00, 0xFE]) * 8)
    return [path]


# one row per bad input: the files, brms arguments, and texts the message must hold
BAD: dict[str, tuple[Callable[[list[Path], Path], Any], dict[str, Any], tuple[str, ...]]] = {
    "one path, not a list": (lambda files, _: str(files[0]), {}, ("list", "chain-1.csv")),
    "no files": (lambda files, _: [], {}, ("list", "[]")),
    "missing file": (lambda files, folder: [folder / "gone.csv"], {}, ("gone.csv",)),
    "headers differ": (_other_header, {}, ("not one Stan run", "chain-2.csv")),
    "another family's draws": (
        lambda files, _: files,
        {"family": "student"},
        ("does not hold draws", "missing variables ['nu']"),
    ),
    "binary file": (_binary, {}, ("draws.npz", "not a Stan CSV file")),
    "not Stan CSV": (_not_stan_csv, {}, ("notes.csv", "unexpected variables ['hello', 'world']")),
}


@pytest.mark.parametrize("row", BAD.values(), ids=BAD.keys())
def test_bad_files_are_refused_naming_the_culprit(
    row: Any, csv_files: list[Path], line_data: pd.DataFrame, tmp_path: Path, no_compile: None
) -> None:
    files, arguments, culprits = row
    with pytest.raises(FitFileError) as caught:
        bm.from_csv(files(csv_files, tmp_path), "y ~ x", line_data, **arguments)
    assert isinstance(caught.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(caught.value), str(caught.value)
