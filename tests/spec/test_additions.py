"""Addition terms se(), rate(), cens() and trunc(): parsing and the Stan data as brms codes it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.errors import FormulaSyntaxError
from pybrms.formula import parse
from pybrms.spec import build_spec
from pybrms.spec.families import FAMILIES
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0],
            "k": [1, 2, 3, 4, 5],
            "s": [0.1, 0.2, 0.3, 0.4, 0.5],
            "u": [9.0, 9.0, 9.0, 9.0, 9.0],
            "x": [0.0, 1.0, 0.0, 1.0, 0.5],
        }
    )


@pytest.mark.parametrize(
    ("formula", "name", "params", "args"),
    [
        ("y | se(s) ~ 1", "se", ("x",), ("s",)),
        ("y | se(s, sigma = TRUE) ~ 1", "se", ("x", "sigma"), ("s", "TRUE")),
        ("y | trunc(0, 10) ~ 1", "trunc", ("lb", "ub"), ("0", "10")),
        ("y | trunc(ub = 10) ~ 1", "trunc", ("ub",), ("10",)),
        ("y | trunc(ub = 10, 0) ~ 1", "trunc", ("ub", "lb"), ("10", "0")),
        ("y | cens(c, y2 = u) ~ 1", "cens", ("x", "y2"), ("c", "u")),
        ("y | rate(log(t)) ~ 1", "rate", ("denom",), ("log(t)",)),
    ],
)
def test_arguments_are_matched_as_in_r(formula, name, params, args):
    addition = parse(formula).response.addition(name)
    assert (addition.params, addition.args) == (params, args)


def test_logical_flags_are_not_data_columns():
    assert parse("y | se(s, sigma = TRUE) ~ 1").variables == {"y", "s"}
    with pytest.raises(FormulaSyntaxError, match="sigma of se\\(\\) must be TRUE or FALSE"):
        parse("y | se(s, sigma = yes) ~ 1")


@pytest.mark.parametrize(
    "values",
    [
        [0, 1, -1, 2, 0],
        ["none", "right", "left", "interval", "none"],
        ["n", "r", "l", "i", "no"],
        pd.Categorical(["none", "right", "left", "interval", "none"]),
    ],
)
def test_censoring_codes_as_brms(df, values):
    data = df.assign(c=values)
    sd = make_standata(build_spec("y | cens(c, u) ~ x", data))
    assert sd["cens"].tolist() == [0, 1, -1, 2, 0]
    # y2 is kept for interval-censored rows only (brms sets the others to 0)
    assert sd["rcens"].tolist() == [0.0, 0.0, 0.0, 9.0, 0.0]


def test_logical_censoring_means_right_censored(df):
    data = df.assign(c=[True, False, True, False, False])
    sd = make_standata(build_spec("y | cens(c) ~ x", data, "weibull"))
    assert sd["cens"].tolist() == [1, 0, 1, 0, 0]
    assert "rcens" not in sd


def test_truncation_bounds_per_row_and_sides_without_bounds(df):
    sd = make_standata(build_spec("y | trunc(lb = x - 1) ~ 1", df))
    assert sd["lb"].tolist() == [-1.0, 0.0, -1.0, 0.0, -0.5]
    assert "ub" not in sd
    sd = make_standata(build_spec("k | trunc(ub = 20) ~ 1", df, "poisson"))
    assert sd["ub"].dtype.kind == "i" and "lb" not in sd


def test_se_replaces_sigma_unless_sigma_is_true(df):
    spec = build_spec("y | se(s) ~ x", df)
    assert [d.name for d in spec.scalar_dpars] == []
    assert "sigma" not in set(spec.priors.to_frame()["class"])
    sd = make_standata(spec)
    np.testing.assert_allclose(sd["se"], df["s"])
    spec = build_spec("y | se(s, sigma = TRUE) ~ x", df)
    assert [d.name for d in spec.scalar_dpars] == ["sigma"]


def test_rate_denominators(df):
    sd = make_standata(build_spec("k | rate(s) ~ x", df, "poisson"))
    np.testing.assert_allclose(sd["denom"], df["s"])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_records_agree_on_addition_terms(name):
    """cens() and trunc() exactly where Stan has cdfs and scipy gives them over draws;
    rate() exactly where the record says which parameters it scales."""
    f = FAMILIES[name]
    with_cdf = f.stan.cdf is not None
    assert ({"cens", "trunc"} <= f.additions) == with_cdf
    assert ({"cens", "trunc"} & f.additions == set()) == (not with_cdf)
    assert (f.distribution is not None) == with_cdf
    assert ("rate" in f.additions) == bool(f.rate_dpars)
    assert set(f.rate_dpars) <= {"mu", *f.dpar_names}
