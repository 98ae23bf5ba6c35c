"""Missing values estimated, brms's mi(): data, names, Stan code, kept and dropped rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.formula import bf, parse, set_rescor
from pybrms.formula.terms import MissingTerm
from pybrms.spec import build_model, build_spec
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 20
    df = pd.DataFrame({"y": rng.normal(size=n), "x": rng.normal(size=n), "z": rng.normal(size=n)})
    df.loc[[2, 9], "y"] = np.nan
    df.loc[[4, 11, 15], "x"] = np.nan
    df.loc[17, "z"] = np.nan
    return df


def _in_order(code: str, lines: list[str]) -> None:
    stripped = [line.strip() for line in code.splitlines()]
    at = 0
    for line in lines:
        assert line in stripped[at:], f"{line!r} not found after line {at}:\n{code}"
        at = stripped.index(line, at) + 1


def test_missing_responses_are_kept_other_rows_dropped(data):
    """Rows missing y stay (Ymi by their row in the fitted data); rows missing x or z,
    which have no mi(), are dropped with the usual warning."""
    with pytest.warns(UserWarning, match="Dropped 4 of 20 rows"):
        spec = build_spec("y | mi() ~ x + z", data)
    assert spec.N == 16
    assert spec.response.mi is not None
    assert spec.response.mi.tolist() == [2, 8]  # rows 2 and 9 of the data
    assert [n.name for n in spec.names if n.cls == "Ymi"] == ["Ymi[3]", "Ymi[9]"]
    sd = make_standata(spec)
    assert (sd["Nmi"], sd["Jmi"].tolist()) == (2, [3, 9])
    assert np.isinf(sd["Y"][[2, 8]]).all() and np.isfinite(np.delete(sd["Y"], [2, 8])).all()


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_missing_response_program_is_brms(data, threads):
    with pytest.warns(UserWarning, match="Dropped"):
        code = render(build_spec("y | mi() ~ x", data, "student"), threads)
    likelihood = "student_t_lpdf(Yl | nu, mu, sigma);"
    if threads is not None:
        likelihood = "ptarget += student_t_lpdf(Yl[start:end] | nu, mu, sigma);"
    _in_order(
        code,
        [
            "int<lower=0> Nmi;  // number of missings",
            "array[Nmi] int<lower=1> Jmi;  // positions of missings",
            "vector[Nmi] Ymi;  // estimated missings",
            "// vector combining observed and missing responses",
            "vector[N] Yl = Y;",
            "Yl[Jmi] = Ymi;",
        ],
    )
    assert any(line.strip().endswith(likelihood) for line in code.splitlines())


def test_missing_positive_response_is_bounded(data):
    df = data.assign(y=np.exp(data["y"]))
    with pytest.warns(UserWarning, match="Dropped"):
        code = render(build_spec("y | mi() ~ x", df, "lognormal"))
    assert "vector<lower=0>[Nmi] Ymi;  // estimated missings" in code


def test_parse_keeps_missing_predictors():
    terms = parse("y ~ z + mi(x)")
    assert terms.missing == (MissingTerm((("x", True),)),)
    assert terms.fixed == "1 + z"
    # its missing values are kept: x drops no rows through this formula
    assert "z" in terms.variables and "x" not in terms.variables


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_missing_predictor_program_data_and_names(data, threads):
    """Rows missing x (modelled with mi()) stay; the row missing z is dropped; bsp_y
    times Yl_x row by row, brms's names and data."""
    formula = bf("y ~ mi(x) + z") + bf("x | mi() ~ z") + set_rescor(False)
    with pytest.warns(UserWarning, match="Dropped 3 of 20 rows"):
        spec = build_model(formula, data)
    assert spec.N == 17  # rows missing y (no mi() on y) and z are dropped
    names = [n.name for n in spec.names]
    assert "bsp_y_mix" in names
    assert [n for n in names if n.startswith("Ymi")] == ["Ymi_x[4]", "Ymi_x[10]", "Ymi_x[14]"]
    sd = make_standata(spec)
    assert (sd["Ksp_y"], sd["Nmi_x"], sd["Jmi_x"].tolist()) == (1, 3, [4, 10, 14])
    code = render(spec, threads)
    row = "mu_y[n] += (bsp_y[1]) * Yl_x[n];"
    if threads is not None:
        row = "mu_y[n] += (bsp_y[1]) * Yl_x[nn];"
    _in_order(
        code,
        [
            "int<lower=1> Ksp_y;  // number of special effects terms",
            "int<lower=0> Nmi_x;  // number of missings",
            "vector[Nmi_x] Ymi_x;  // estimated missings",
            "vector[Ksp_y] bsp_y;  // special effects coefficients",
        ],
    )
    assert row in [line.strip() for line in code.splitlines()]
    _in_order(code, ["vector[N] Yl_x = Y_x;", "Yl_x[Jmi_x] = Ymi_x;"])


# Interactions of mi() (brms 2.18's make_stancode / make_standata / get_prior): the
# special terms in R's order and brms's coefficient names.
@pytest.mark.parametrize(
    ("formula", "labels", "fixed"),
    [
        ("y ~ mi(x) * z", ["mi(x)", "mi(x):z"], "1 + z"),
        ("y ~ z + mi(x):z", ["z:mi(x)"], "1 + z"),  # brms: z:mix
        ("y ~ z:mi(x) + v", ["z:mi(x)"], "1 + v"),
        ("y ~ mi(x):z:v", ["mi(x):z:v"], "1"),
        ("y ~ mi(x):mi(w) + z:mi(x):v", ["mi(x):mi(w)", "mi(x):z:v"], "1"),  # brms: mix:z:v
    ],
)
def test_parse_missing_interactions(formula, labels, fixed):
    terms = parse(formula)
    assert [t.label for t in terms.missing] == labels
    assert terms.fixed == fixed
    assert "x" not in terms.variables and "w" not in terms.variables


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_missing_interaction_program_data_and_names(data, threads):
    """mi(x) * z: bsp_y[2] * Yl_x[n] * Csp_y_1[n] with Csp_y_1 the values of z, brms's
    names bsp_y_mix and bsp_y_mix:z."""
    formula = bf("y ~ mi(x) * z") + bf("x | mi() ~ z") + set_rescor(False)
    with pytest.warns(UserWarning, match="Dropped 3 of 20 rows"):
        spec = build_model(formula, data)
    names = [n.name for n in spec.names]
    assert [n for n in names if n.startswith("bsp")] == ["bsp_y_mix", "bsp_y_mix:z"]
    assert "b_y_z" in names
    sd = make_standata(spec)
    kept = data.dropna(subset=["y", "z"])
    assert sd["Ksp_y"] == 2
    np.testing.assert_array_equal(sd["Csp_y_1"], kept["z"].to_numpy())
    code = render(spec, threads)
    n = "n" if threads is None else "nn"
    row = f"mu_y[n] += (bsp_y[1]) * Yl_x[{n}] + (bsp_y[2]) * Yl_x[{n}] * Csp_y_1[{n}];"
    _in_order(
        code,
        [
            "int<lower=1> Ksp_y;  // number of special effects terms",
            "vector[N] Csp_y_1;  // covariates of special effects term mi(x):z",
            "vector[Ksp_y] bsp_y;  // special effects coefficients",
        ],
    )
    assert row in [line.strip() for line in code.splitlines()]


def test_missing_interactions_of_two_variables_are_brms():
    """mi(x):mi(w) + z:mi(x):v: bsp_y[1] * Yl_x[n] * Yl_w[n] + bsp_y[2] * Yl_x[n] *
    Csp_y_1[n], Csp_y_1 = z * v and the coefficients mix:miw and mix:z:v (brms 2.18)."""
    data = pd.DataFrame(
        {
            "y": [1.0, 2.0, 2.5, 4.0, 3.0, 0.5, 6.0, 2.0, 7.0, 9.0],
            "x": [3.0, None, 1.0, 4.0, 5.0, None, 2.0, 8.0, 9.0, 6.0],
            "w": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            "z": [float(k) for k in range(1, 11)],
            "v": [2.0, 1.0] * 5,
        }
    )
    formula = (
        bf("y ~ mi(x):mi(w) + z:mi(x):v")
        + bf("x | mi() ~ z")
        + bf("w | mi() ~ z")
        + set_rescor(False)
    )
    spec = build_model(formula, data)
    sd = make_standata(spec)
    assert sd["Csp_y_1"].tolist() == [2, 2, 6, 4, 10, 6, 14, 8, 18, 10]
    names = [n.name for n in spec.names if n.name.startswith("bsp")]
    assert names == ["bsp_y_mix:miw", "bsp_y_mix:z:v"]
    row = "mu_y[n] += (bsp_y[1]) * Yl_x[n] * Yl_w[n] + (bsp_y[2]) * Yl_x[n] * Csp_y_1[n];"
    assert row in [line.strip() for line in render(spec).splitlines()]


def test_missing_interactions_eta_fills_each_variable_with_its_draws():
    """The numpy linear predictor of mi(x):mi(w) + mi(x):z: each missing value of x and
    w at its draw of Ymi_x / Ymi_w, times the other factor, times bsp of the term (the
    Stan side of mi(x) * z is checked on compiled programs in tests/fit/test_predict.py)."""
    from pybrms.spec.terms import MissingValues
    from pybrms.spec.terms.base import RowRequest

    df = pd.DataFrame({"x": [1.0, np.nan, 3.0], "w": [2.0, 4.0, np.nan], "z": [0.5, 1.0, 2.0]})
    term = MissingValues.from_data("y", parse("y ~ mi(x):mi(w) + mi(x):z").missing, df)
    rng = np.random.default_rng(3)
    draws = {"bsp_y": rng.normal(size=(1, 4, 2))}
    draws |= {"Ymi_x": rng.normal(size=(1, 4, 1)), "Ymi_w": rng.normal(size=(1, 4, 1))}
    eta = term.eta(term.rows(RowRequest(None)), draws, rng)
    bsp, ymi_x, ymi_w = draws["bsp_y"][0], draws["Ymi_x"][0, :, 0], draws["Ymi_w"][0, :, 0]
    x = np.column_stack([np.ones(4), ymi_x, 3 * np.ones(4)])
    w = np.column_stack([2 * np.ones(4), 4 * np.ones(4), ymi_w])
    expected = bsp[:, [0]] * x * w + bsp[:, [1]] * x * df["z"].to_numpy()
    np.testing.assert_allclose(eta, expected, rtol=1e-12)
