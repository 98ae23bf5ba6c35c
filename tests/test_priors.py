"""Tests of pybrms.priors: strict prior strings, prior rows and the Priors table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pybrms.errors import SpecError
from pybrms.priors import CLASSES, DISTRIBUTIONS, Dist, Prior, Priors, parse_prior, prior

PARSED = {
    "normal(0, 1)": Dist("normal", (0, 1)),
    "  normal( 0 ,1 ) ": Dist("normal", (0, 1)),
    "student_t(3, 0, 2.5)": Dist("student_t", (3, 0, 2.5)),
    "normal(-1.5, 1e-3)": Dist("normal", (-1.5, 0.001)),
    "cauchy(+0, 2.5E+2)": Dist("cauchy", (0, 250)),
    "normal(.5, 1.)": Dist("normal", (0.5, 1)),
    "exponential(1)": Dist("exponential", (1,)),
    "gamma(0.01, 0.01)": Dist("gamma", (0.01, 0.01)),
    "lkj(2)": Dist("lkj", (2,)),
    "constant(1)": Dist("constant", (1,)),
    "std_normal()": Dist("std_normal", ()),
    "": None,
    "   ": None,
}


@pytest.mark.parametrize("text, expected", PARSED.items())
def test_parse_prior(text: str, expected: Dist | None) -> None:
    assert parse_prior(text) == expected


EXPECTED = (
    "expected a distribution call with numeric arguments, such as 'normal(0, 1)', "
    "'student_t(3, 0, 2.5)' or 'constant(1)', or '' for a flat prior"
)
ALLOWED = ", ".join(DISTRIBUTIONS)
REJECTED = {
    "normal(0, 1); target += 5": f"invalid prior 'normal(0, 1); target += 5': {EXPECTED}",
    "normal(0, 1) + foo(2)": (
        "invalid prior 'normal(0, 1) + foo(2)': argument '1) + foo(2' is not a number; " + EXPECTED
    ),
    "normal(mu, 1)": f"invalid prior 'normal(mu, 1)': argument 'mu' is not a number; {EXPECTED}",
    "normal(0, sqrt(2))": (
        f"invalid prior 'normal(0, sqrt(2))': argument 'sqrt(2)' is not a number; {EXPECTED}"
    ),
    "normal(0, 1e400)": (
        "invalid prior 'normal(0, 1e400)': the arguments of normal() must be finite numbers, "
        "got (0.0, inf)"
    ),
    "normal(0, )": f"invalid prior 'normal(0, )': argument '' is not a number; {EXPECTED}",
    "foo(1)": f"invalid prior 'foo(1)': unknown prior distribution 'foo'; allowed: {ALLOWED}",
    "normal(0)": "invalid prior 'normal(0)': normal() takes 2 arguments, got 1",
    "exponential(1, 2)": "invalid prior 'exponential(1, 2)': exponential() takes 1 argument, got 2",
    "normal": f"invalid prior 'normal': {EXPECTED}",
    "0": f"invalid prior '0': {EXPECTED}",
    "normal(0, 1)\n}": f"invalid prior 'normal(0, 1)\\n}}': {EXPECTED}",
    "/* */ normal(0, 1)": f"invalid prior '/* */ normal(0, 1)': {EXPECTED}",
}


@pytest.mark.parametrize("text, message", REJECTED.items())
def test_parse_prior_rejects_everything_else(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        prior(text)
    assert str(info.value) == message


def test_parse_prior_rejects_non_strings() -> None:
    with pytest.raises(SpecError, match="a prior must be a string, got float"):
        prior(1.0)  # type: ignore[arg-type]


DIST_ERRORS = {
    ("normal", ("0", 1)): "the arguments of normal() must be finite numbers, got ('0', 1)",
    ("normal", (True, 1)): "the arguments of normal() must be finite numbers, got (True, 1)",
    ("normal", (0, math.nan)): "the arguments of normal() must be finite numbers, got (0, nan)",
    ("normal; x", (0, 1)): f"unknown prior distribution 'normal; x'; allowed: {ALLOWED}",
}


@pytest.mark.parametrize("args, message", DIST_ERRORS.items())
def test_dist_validates_on_construction(args: tuple[str, tuple], message: str) -> None:
    with pytest.raises(SpecError) as info:
        Dist(*args)
    assert str(info.value) == message


def test_dist_renders_and_accepts_numpy_numbers() -> None:
    dist = Dist("student_t", (np.int64(3), np.float64(0.0), 2.5))
    assert dist.args == (3.0, 0.0, 2.5)
    assert str(dist) == "student_t(3, 0, 2.5)"
    assert str(Dist("normal", (-0.5, 1e-8))) == "normal(-0.5, 1e-08)"
    assert Dist("constant", (1,)).is_constant and not dist.is_constant


def test_prior_row() -> None:
    (row,) = prior("normal(0, 5)", class_="b", coef="zAge", dpar="sigma")
    assert row == Prior("normal(0, 5)", "b", "zAge", "", "sigma")
    assert row.dist == Dist("normal", (0, 5))
    assert row.key == ("b", "zAge", "", "sigma")
    assert row.source == "user"
    (flat,) = prior("", class_="Intercept")
    assert flat.dist is None


@pytest.mark.parametrize("class_", CLASSES)
def test_every_class_accepts_a_prior(class_: str) -> None:
    text = "lkj(2)" if class_ in ("cor", "L") else "normal(0, 1)"
    assert next(iter(prior(text, class_=class_))).class_ == class_


CLASS_ERRORS = {
    ("normal(0, 1)", "bee"): (
        "unknown prior class 'bee'; valid classes: b, Intercept, sd, cor, L, sigma, shape, "
        "nu, phi, disc"
    ),
    ("normal(0, 1)", "cor"): (
        "prior 'normal(0, 1)' on class 'cor': lkj priors are for the classes cor and L, and "
        "those classes take only lkj priors, e.g. prior('lkj(2)', class_='cor')"
    ),
    ("constant(0)", "cor"): (
        "prior 'constant(0)' on class 'cor': correlations cannot be fixed with constant(); "
        "constant() fixes b, Intercept, sd and family parameters"
    ),
    ("lkj(2)", "b"): (
        "prior 'lkj(2)' on class 'b': lkj priors are for the classes cor and L, and "
        "those classes take only lkj priors, e.g. prior('lkj(2)', class_='cor')"
    ),
}


@pytest.mark.parametrize("args, message", CLASS_ERRORS.items())
def test_class_errors(args: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as info:
        prior(*args)
    assert str(info.value) == message


def test_prior_string_is_checked_before_the_class() -> None:
    with pytest.raises(SpecError, match="invalid prior 'foo'"):
        prior("foo", class_="bee")


BOUNDS = {
    (0.0, None): (0.0, None),
    (None, 1.0): (None, 1.0),
    (-1.0, 1.0): (-1.0, 1.0),
}


@pytest.mark.parametrize("bounds, expected", BOUNDS.items())
def test_bounds(bounds: tuple[float | None, float | None], expected: tuple) -> None:
    (row,) = prior("normal(0, 1)", lb=bounds[0], ub=bounds[1])
    assert (row.lb, row.ub) == expected


BOUND_ERRORS = {
    "class": (
        {"class_": "sd", "lb": 0.0},
        "bounds (lb, ub) can only be set on the whole class 'b' (coef=''), as in brms",
    ),
    "coef": (
        {"coef": "x", "ub": 1.0},
        "bounds (lb, ub) can only be set on the whole class 'b' (coef=''), as in brms",
    ),
    "order": (
        {"lb": 1.0, "ub": 0.0},
        "the lower bound lb=1.0 must be below the upper bound ub=0.0",
    ),
}


@pytest.mark.parametrize("case", BOUND_ERRORS.values(), ids=BOUND_ERRORS.keys())
def test_bound_errors(case: tuple[dict, str]) -> None:
    kwargs, message = case
    with pytest.raises(SpecError) as info:
        prior("normal(0, 1)", **kwargs)
    assert str(info.value) == message


def test_priors_combine_in_order() -> None:
    p = (
        prior("normal(0, 1)")
        + prior("student_t(3, 0, 2.5)", class_="sd", group="patient")
        + prior("lkj(2)", class_="cor")
    )
    assert isinstance(p, Priors)
    assert [row.class_ for row in p] == ["b", "sd", "cor"]
    assert len(p) == 3
    assert (Priors() + p) == p
    with pytest.raises(TypeError):
        p + "normal(0, 1)"  # type: ignore[operator]


def test_priors_reject_duplicated_keys() -> None:
    with pytest.raises(SpecError) as info:
        prior("normal(0, 1)", coef="x") + prior("normal(0, 2)", coef="x")
    assert str(info.value) == "duplicated prior for class_='b', coef='x', group='', dpar=''"


def test_to_frame_has_brms_columns() -> None:
    frame = (
        prior("normal(0, 1)", lb=0) + prior("exponential(1)", class_="sd", group="g")
    ).to_frame()
    expected = pd.DataFrame(
        {
            "prior": ["normal(0, 1)", "exponential(1)"],
            "class": ["b", "sd"],
            "coef": ["", ""],
            "group": ["", "g"],
            "resp": ["", ""],
            "dpar": ["", ""],
            "nlpar": ["", ""],
            "lb": [0, ""],
            "ub": ["", ""],
            "source": ["user", "user"],
        }
    )
    pd.testing.assert_frame_equal(frame, expected)
    assert list(Priors().to_frame().columns) == list(expected.columns)
