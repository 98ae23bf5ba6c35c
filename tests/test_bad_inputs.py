"""Bad inputs are refused by brm() with a specific error, before anything is compiled.

One row per bad input: what brm() is called with, the exception class, and the
texts that must appear in the message (the column, term, prior or argument to
blame, and the row where there is one). The compile step is replaced by a
function that fails the test, and every call runs in an empty directory that
must stay empty: formula code must never run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError


def frame(**changes: Any) -> pd.DataFrame:
    """Eight clean rows (index 10..17), with ``changes`` as {column: {row: value}}."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "y": rng.normal(size=8),
            "x": rng.normal(size=8),
            "z": rng.normal(size=8),
            "t": rng.uniform(1, 2, size=8),
            "w": np.ones(8),
            "n": np.full(8, 10),
            "k": np.arange(8),
            "g": list("aabbccdd"),
            "p": rng.uniform(0.1, 0.9, size=8),
        },
        index=range(10, 18),
    )
    for column, rows in changes.items():
        df[column] = df[column].astype(object if isinstance(df[column].iloc[0], str) else float)
        for row, value in rows.items():
            df.loc[row, column] = value
    return df


def duplicated_columns() -> pd.DataFrame:
    df = frame()
    return pd.concat([df, df[["x"]]], axis=1)


Row = tuple[Callable[[], dict[str, Any]], type[PybrmsError], tuple[str, ...]]

ROWS: dict[str, Row] = {
    # non-finite data, named by column or term and row
    "predictor_inf": (
        lambda: dict(formula="y ~ x", data=frame(x={12: np.inf})),
        SpecError,
        ("Predictor 'x'", "row 12", "inf"),
    ),
    "transformed_predictor_inf": (
        lambda: dict(formula="y ~ log(t)", data=frame(t={13: 0.0})),
        SpecError,
        ("Predictor 'log(t)'", "row 13", "-inf"),
    ),
    "group_predictor_inf": (
        lambda: dict(formula="y ~ 1 + (1 + z | g)", data=frame(z={11: -np.inf})),
        SpecError,
        ("Predictor 'z'", "row 11"),
    ),
    "offset_inf": (
        lambda: dict(formula="y ~ x + offset(log(t))", data=frame(t={14: 0.0})),
        SpecError,
        ("Offset 'log(t)'", "row 14"),
    ),
    "weights_inf": (
        lambda: dict(formula="y | weights(w) ~ x", data=frame(w={15: np.inf})),
        SpecError,
        ("weights(w)", "row 15"),
    ),
    "trials_inf": (
        lambda: dict(formula="k | trials(n) ~ x", family="binomial", data=frame(n={16: np.inf})),
        SpecError,
        ("trials(n)", "row 16"),
    ),
    "response_inf": (
        lambda: dict(formula="y ~ x", data=frame(y={10: np.inf})),
        SpecError,
        ("Response 'y'", "row 10"),
    ),
    "count_response_inf": (
        lambda: dict(formula="k ~ x", family="poisson", data=frame(k={17: np.inf})),
        SpecError,
        ("Response 'k'", "row 17"),
    ),
    # integers beyond Stan's int
    "count_beyond_int": (
        lambda: dict(formula="k ~ x", family="poisson", data=frame(k={12: 2**40})),
        SpecError,
        ("Response 'k'", "integer range", "32-bit", "row 12", str(2**40)),
    ),
    "trials_beyond_int": (
        lambda: dict(formula="k | trials(n) ~ x", family="binomial", data=frame(n={13: 2**62})),
        SpecError,
        ("trials(n)", "integer range", "row 13"),
    ),
    # priors outside their support, named by prior and argument
    "prior_negative_scale": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("normal(0, -1)")),
        SpecError,
        ("normal(0, -1)", "sigma", "positive"),
    ),
    "prior_zero_df": (
        lambda: dict(
            formula="y ~ x", data=frame(), prior=bm.prior("student_t(0, 0, 1)", class_="sigma")
        ),
        SpecError,
        ("student_t(0, 0, 1)", "nu"),
    ),
    "prior_zero_rate": (
        lambda: dict(
            formula="k ~ x",
            family="negbinomial",
            data=frame(),
            prior=bm.prior("gamma(2, 0)", class_="shape"),
        ),
        SpecError,
        ("gamma(2, 0)", "beta"),
    ),
    "prior_lkj_eta": (
        lambda: dict(
            formula="y ~ x + (1 + x | g)", data=frame(), prior=bm.prior("lkj(0)", class_="cor")
        ),
        SpecError,
        ("lkj(0)", "eta"),
    ),
    "prior_uniform_limits": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("uniform(1, 0)")),
        SpecError,
        ("uniform(1, 0)", "alpha=1", "beta=0"),
    ),
    "prior_support_beyond_bounds": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("uniform(0, 1)", lb=-1, ub=1)),
        SpecError,
        ("uniform(0, 1)", "class='b'", "-1"),
    ),
    "prior_bounded_on_unbounded_class": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("gamma(2, 1)", "Intercept")),
        SpecError,
        ("gamma(2, 1)", "class='Intercept'", "bounded below"),
    ),
    "prior_bound_not_a_number": (
        lambda: dict(formula="y ~ x", data=frame(), prior=bm.prior("normal(0, 1)", lb="0")),
        SpecError,
        ("lb", "'0'"),
    ),
    # data and formula structure
    "duplicated_column": (
        lambda: dict(formula="y ~ x", data=duplicated_columns()),
        SpecError,
        ("more than one column named 'x'",),
    ),
    "empty_term": (
        lambda: dict(formula="y ~ 1 + + x", data=frame()),
        FormulaSyntaxError,
        ("empty term between '+' and '+'", "^^^"),
    ),
    "duplicated_group_intercept": (
        lambda: dict(formula="y ~ x + (1 | g) + (1 | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "'Intercept'", "group 'g'", "(1 | g)"),
    ),
    "duplicated_group_intercept_with_slopes": (
        lambda: dict(formula="y ~ x + (1 + x | g) + (1 + z | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "'Intercept'", "(1 + x | g)", "(1 + z | g)"),
    ),
    "duplicated_group_slope": (
        lambda: dict(formula="y ~ x + (1 + x | g) + (0 + x | g)", data=frame()),
        SpecError,
        ("Duplicated group-level effects", "effect 'x'", "group 'g'"),
    ),
    "family_not_a_name": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.family(1)),
        SpecError,
        ("family()", "1"),
    ),
    "link_not_a_name": (
        lambda: dict(formula="y ~ x", data=frame(), family=bm.family("gaussian", link=2)),
        SpecError,
        ("family()", "2"),
    ),
    "formula_not_a_string": (
        lambda: dict(formula=["y ~ x"], data=frame()),
        SpecError,
        ("formula", "list"),
    ),
    # formulas are code: nothing outside data, numbers and the documented functions
    "import_in_term": (
        lambda: dict(formula="y ~ I(__import__('os').system('touch f') + x)", data=frame()),
        SpecError,
        ("I(__import__('os').system('touch f') + x)", "'__import__'"),
    ),
    "import_in_python_block": (
        lambda: dict(formula="y ~ {__import__('os').system('touch f')}", data=frame()),
        SpecError,
        ("'__import__'",),
    ),
    "builtin_in_response": (
        lambda: dict(formula="I(open('f', 'w').close() or y) ~ x", data=frame()),
        SpecError,
        ("the function 'open'",),
    ),
    "builtin_in_offset": (
        lambda: dict(formula="y ~ x + offset(eval('t'))", data=frame()),
        SpecError,
        ("the function 'eval'", "offset(eval('t'))"),
    ),
    "builtin_in_addition": (
        lambda: dict(formula="y | weights(exec('w')) ~ x", data=frame()),
        SpecError,
        ("the function 'exec'",),
    ),
    "numpy_file_io": (
        lambda: dict(formula="y ~ I(np.save('f', x))", data=frame()),
        SpecError,
        ("'.save'", "np.save('f', x)"),
    ),
    "column_method": (
        lambda: dict(formula="y ~ I(x.to_csv('f'))", data=frame()),
        SpecError,
        ("'.to_csv'",),
    ),
    "dunder_attribute": (
        lambda: dict(formula="y ~ I(x.__class__)", data=frame()),
        SpecError,
        ("'.__class__'",),
    ),
    "call_of_computed_value": (
        lambda: dict(formula="y ~ I((lambda: x)())", data=frame()),
        SpecError,
        ("I((lambda: x)())", "a call of a computed value"),
    ),
    "lambda": (
        lambda: dict(formula="y ~ I(where(x > 0, lambda: 1, x))", data=frame()),
        SpecError,
        ("Lambda syntax",),
    ),
    # responses outside the support of the family, named by column, row and value
    "zero_inflated_binomial_fraction": (
        lambda: dict(
            formula="k | trials(n) ~ x", family="zero_inflated_binomial", data=frame(k={12: 2.5})
        ),
        SpecError,
        ("Response 'k'", "'zero_inflated_binomial'", "non-negative integer", "row 12", "2.5"),
    ),
    "zero_inflated_binomial_above_trials": (
        lambda: dict(
            formula="k | trials(n) ~ x", family="zero_inflated_binomial", data=frame(k={13: 11})
        ),
        SpecError,
        ("Response 'k'", "must not exceed trials()", "row 13", "11 > 10"),
    ),
    "zero_inflated_binomial_without_trials": (
        lambda: dict(formula="k ~ x", family="zero_inflated_binomial", data=frame()),
        SpecError,
        ("'zero_inflated_binomial'", "trials()"),
    ),
    "beta_binomial_negative": (
        lambda: dict(formula="k | trials(n) ~ x", family="beta_binomial", data=frame(k={14: -1})),
        SpecError,
        ("Response 'k'", "'beta_binomial'", "non-negative integer", "row 14", "-1"),
    ),
    "beta_binomial_without_trials": (
        lambda: dict(formula="k ~ x", family="beta_binomial", data=frame()),
        SpecError,
        ("'beta_binomial'", "trials()"),
    ),
    "geometric_fraction": (
        lambda: dict(formula="k ~ x", family="geometric", data=frame(k={15: 0.5})),
        SpecError,
        ("Response 'k'", "'geometric'", "non-negative integer", "row 15", "0.5"),
    ),
    "zero_inflated_beta_one": (
        lambda: dict(formula="p ~ x", family="zero_inflated_beta", data=frame(p={11: 1.0})),
        SpecError,
        ("Response 'p'", "'zero_inflated_beta'", "at least 0 and below 1", "row 11", "has 1"),
    ),
    "zero_one_inflated_beta_above_one": (
        lambda: dict(formula="p ~ x", family="zero_one_inflated_beta", data=frame(p={12: 1.5})),
        SpecError,
        ("Response 'p'", "'zero_one_inflated_beta'", "between 0 and 1", "row 12", "1.5"),
    ),
    "hurdle_gamma_negative": (
        lambda: dict(formula="t ~ x", family="hurdle_gamma", data=frame(t={13: -0.5})),
        SpecError,
        ("Response 't'", "'hurdle_gamma'", "non-negative", "row 13", "-0.5"),
    ),
    "hurdle_lognormal_negative": (
        lambda: dict(formula="t ~ x", family="hurdle_lognormal", data=frame(t={16: -2.0})),
        SpecError,
        ("Response 't'", "'hurdle_lognormal'", "non-negative", "row 16", "-2"),
    ),
}


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_bad_input_is_refused_before_compiling(
    row: Row, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_compile: None
) -> None:
    make, error, culprits = row
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as caught:
        bm.brm(**{"family": "gaussian", **make()}, show_progress=False)
    assert isinstance(caught.value, PybrmsError)
    message = str(caught.value)
    for culprit in culprits:
        assert culprit in message, f"{culprit!r} not in the message:\n{message}"
    assert not list(tmp_path.iterdir()), "formula code ran and created a file"
