"""A program depends only on the model's structure, never on the data's values.

Every model case renders the same plain and threaded Stan code on the shared
synthetic data and on a second data set of the same structure: other values in
every numeric column (shifted and scaled, so response medians, scales and minima,
covariate means and ranges all move), another number of rows, the rows permuted,
and the same factor levels. Numbers that come from the data (prior locations and
scales, ndt's upper bound brms calls ``min_Y``, counts of rows, levels, design
columns, basis functions and distinct GP points) are Stan data or computed by the
program, so kfold's folds, simulation replicates and refits on new data reuse the
compiled program. What the data legitimately decide is kept: the columns and their
kinds; the categories of a categorical or multinomial response, which name its
linear predictors (``mub``, ``muc``, as brms), so that other categories are another
model; and the family of a gp()'s default lengthscale prior, which brms picks from the
covariate's distances: the inverse gamma that puts 1% of its mass below the smallest
and above the largest distance, or ``normal(0, 0.5)`` where that fit does not
converge. No other structure depends on the values of numeric columns.

Render only (no compile): every case costs a few milliseconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from model_cases import (
    AC_MODELS,
    ADDITION_MODELS,
    CASES,
    CONSTANT_MODEL,
    FAMILY_MODELS,
    FIXED_MODELS,
    LEVEL_MODELS,
    MISSING_MODELS,
    MV_MODELS,
    SHRINKAGE_MODELS,
    SUBSET_MODELS,
    TIME_COV_MODELS,
    Case,
    synthetic_data,
)

from pybrms import threading
from pybrms.codegen import stancode

# Column groups of synthetic_data by what keeps their meaning: the real-line responses
# and their bounds move together (y2 stays above y, tl below; the constants of
# trunc(ub = 8) and trunc(ub = 12) still bound them); positive columns are scaled.
SHIFTED = ("y", "y2", "tl", "ymi", "exg", "ymix", "ys")
COVARIATES = ("x", "z", "xmi")
POSITIVE = ("pos", "pos0", "posmi", "o", "w", "s", "e", "wm1", "wm2")


def other_values(n: int = 83, seed: int = 2) -> pd.DataFrame:
    """Data of the same structure as :func:`synthetic_data` with other values and rows."""
    df = synthetic_data(n, seed)
    df[list(SHIFTED)] = 0.3 + 0.8 * df[list(SHIFTED)]
    df[list(COVARIATES)] = 4.0 * df[list(COVARIATES)] - 1.0
    df[list(POSITIVE)] = 3.7 * df[list(POSITIVE)]
    df["t"] += 100
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _cases() -> Iterator[object]:
    """Every case of every list, with the variants it renders (models with ARMA terms
    or subset() refuse threading)."""
    lists = {
        "CASES": CASES,
        "FAMILY_MODELS": FAMILY_MODELS,
        "CONSTANT_MODEL": (CONSTANT_MODEL,),
        "ADDITION_MODELS": ADDITION_MODELS,
        "SHRINKAGE_MODELS": SHRINKAGE_MODELS,
        "AC_MODELS": AC_MODELS,
        "MV_MODELS": MV_MODELS,
        "FIXED_MODELS": FIXED_MODELS,
        "LEVEL_MODELS": LEVEL_MODELS,
        "MISSING_MODELS": MISSING_MODELS,
        "SUBSET_MODELS": SUBSET_MODELS,
        "TIME_COV_MODELS": TIME_COV_MODELS,
    }
    for name, cases in lists.items():
        variants = ("plain",) if name in ("AC_MODELS", "SUBSET_MODELS") else ("plain", "threaded")
        for case in cases:
            for variant in variants:
                yield pytest.param(case, variant, id=f"{name}-{case.id}-{variant}")


@pytest.fixture(scope="module")
def data_sets() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_data(), other_values()


def _first_difference(a: str, b: str) -> str:
    """The first line where ``a`` and ``b`` differ (an empty line past the shorter's end)."""
    pairs = itertools.zip_longest(a.splitlines(), b.splitlines(), fillvalue="")
    number, (line_a, line_b) = next((n, p) for n, p in enumerate(pairs, 1) if p[0] != p[1])
    return f"line {number}:\n  synthetic data: {line_a}\n  other values:   {line_b}"


def test_the_second_data_set_has_the_same_structure(data_sets):
    """Same columns and kinds, the same factor levels; other values and rows."""
    first, second = data_sets
    assert list(first.columns) == list(second.columns)
    assert (first.dtypes == second.dtypes).all()
    for column in first.columns:
        if not pd.api.types.is_numeric_dtype(first[column]):
            assert set(first[column].dropna()) == set(second[column].dropna()), column
    assert len(first) != len(second)
    for column in (*SHIFTED, *COVARIATES, *POSITIVE):
        assert first[column].median() != second[column].median(), column
        assert first[column].max() != second[column].max(), column
    assert first["pos"].min() != second["pos"].min()  # ndt's bound


# a default lengthscale prior's data and statement (its family is brms's data-driven pick)
_LSCALE_PRIOR = re.compile(
    r"^ *real lscale_\w+_prior_\w+;.*\n|^ *lprior \+= \w+_lpdf\(lscale_[^;]*;\n", re.MULTILINE
)


@pytest.mark.parametrize(("case", "variant"), _cases())
def test_program_depends_only_on_the_structure(case: Case, variant: str, data_sets):
    threads = threading(2) if variant == "threaded" else None
    first, second = (
        _LSCALE_PRIOR.sub(
            "", stancode(case.formula, data, case.family, case.prior, threads, data2=case.data2)
        )
        for data in data_sets
    )
    assert first == second, (
        f"{case.id} ({variant}): the Stan code changes with the data's values, at "
        f"{_first_difference(first, second)}"
    )
