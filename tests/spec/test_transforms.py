"""Transforms and term kinds of the formula language: brms's names, R's values, refusals."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import pybrms as bm
from pybrms.errors import PybrmsError, SpecError
from pybrms.spec import build_spec
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Numeric x, z, w; a two-level factor f; columns named like brms terms (s, gp, mo)."""
    rng = np.random.default_rng(3)
    n = 12
    df = pd.DataFrame({name: rng.normal(size=n) for name in ("y", "x", "z", "w", "s", "gp", "mo")})
    df["x"] = np.abs(df["x"]) + 0.5
    df["f"] = list("ab") * (n // 2)
    df["g"] = list("pqr") * (n // 3)
    return df


def b_names(formula: str, data: pd.DataFrame) -> list[str]:
    prior = bm.get_prior(formula, data)
    return list(prior.coef[(prior["class"] == "b") & (prior.coef != "")])


# brms's coefficient names (b_<name>), as R's model.matrix and brms's rename() spell them.
NAMES = {
    "y ~ I(x^2)": ["IxE2"],
    "y ~ I(x**2)": ["IxE2"],  # R reads ** as ^
    "y ~ x + I(x^2) + I(x^3)": ["x", "IxE2", "IxE3"],
    "y ~ exp(-x^2) + log(x^2 + 1)": ["expMxE2", "logxE2P1"],
    "y ~ poly(x, 2)": ["polyx21", "polyx22"],
    "y ~ poly(x,3)": ["polyx31", "polyx32", "polyx33"],
    "y ~ poly(x, 2, raw = TRUE)": ["polyx2rawEQTRUE1", "polyx2rawEQTRUE2"],
    "y ~ poly(x, 2, raw=True)": ["polyx2rawEQTRUE1", "polyx2rawEQTRUE2"],
    "y ~ poly(x, 2) * f": ["polyx21", "polyx22", "fb", "polyx21:fb", "polyx22:fb"],
    "y ~ poly(x, 2):f": ["polyx21:fa", "polyx22:fa", "polyx21:fb", "polyx22:fb"],
    # a %in% b is a:b in R, without the main effect formulaic's %in% adds
    "y ~ x %in% f": ["x:fa", "x:fb"],
    "y ~ x + x %in% f": ["x", "x:fb"],
    # ^ between terms crosses them, as in R
    "y ~ (x + z)^2": ["x", "z", "x:z"],
    "y ~ (x + z + w)^2": ["x", "z", "w", "x:z", "x:w", "z:w"],
    "y ~ x^2": ["x"],
    # columns named like brms terms are plain variables
    "y ~ s + gp + mo": ["s", "gp", "mo"],
}


@pytest.mark.parametrize(("formula", "names"), NAMES.items())
def test_coefficient_names_are_brms_names(formula: str, names: list[str], data) -> None:
    assert b_names(formula, data) == names


def test_group_level_transforms_are_named_as_brms(data) -> None:
    prior = bm.get_prior("y ~ 1 + (1 + I(x^2) | g)", data)
    assert list(prior.coef[(prior["class"] == "sd") & (prior.coef != "")]) == ["Intercept", "IxE2"]


def fixed_design(formula: str, data: pd.DataFrame) -> pd.DataFrame:
    design = build_spec(formula, data).predictors[0].fixed.design
    return pd.DataFrame(design.matrix, columns=design.names)


def test_power_in_expressions_is_r_power(data) -> None:
    x = data["x"].to_numpy()
    X = fixed_design("y ~ I(x^2) + exp(-x^2) + {x^3}", data)
    np.testing.assert_array_equal(X["IxE2"], x**2)
    np.testing.assert_array_equal(X["expMxE2"], np.exp(-(x**2)))  # -x^2 is -(x^2) in R
    np.testing.assert_array_equal(X.iloc[:, -1], x**3)


def test_raw_poly_columns_are_powers(data) -> None:
    x = data["x"].to_numpy()
    X = fixed_design("y ~ poly(x, 2, raw = TRUE)", data)
    np.testing.assert_allclose(X[["polyx2rawEQTRUE1", "polyx2rawEQTRUE2"]], np.c_[x, x**2])


def test_power_in_response_and_offset_is_r_power(data) -> None:
    spec = build_spec("y^2 ~ x + offset(x^2)", data)
    x, y = data["x"].to_numpy(), data["y"].to_numpy()
    np.testing.assert_allclose(spec.response.values, y**2)
    np.testing.assert_allclose(make_standata(spec)["offsets"], x**2)


def r_poly(x: np.ndarray, degree: int) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """R's poly(x, degree) by its definition, and the map from new powers to its columns.

    R takes the QR decomposition of the Vandermonde matrix of the centered x;
    column k is Q_k * R_kk (x^k minus its projection on lower powers), scaled to
    unit norm. New values are the same polynomials: V_new R^{-1} diag(sign R).
    """
    centre = x.mean()
    V = np.vander(x - centre, degree + 1, increasing=True)
    Q, R = np.linalg.qr(V)
    Z = Q * np.diag(R)
    Z /= np.linalg.norm(Z, axis=0)
    transform = np.linalg.inv(R) * np.sign(np.diag(R))

    def poly_of(new: np.ndarray) -> np.ndarray:
        return (np.vander(new - centre, degree + 1, increasing=True) @ transform)[:, 1:]

    return Z[:, 1:], poly_of


def test_poly_columns_are_r_poly() -> None:
    x = np.array([0.3, 1.0, 1.7, 4.0, 5.5, 9.0, 9.1])
    df = pd.DataFrame({"x": x, "y": np.arange(7.0)})
    X = fixed_design("y ~ poly(x, 3)", df)
    expected, _ = r_poly(x, 3)
    np.testing.assert_allclose(X[["polyx31", "polyx32", "polyx33"]], expected, atol=1e-12)


def test_poly_matches_values_printed_by_r() -> None:
    # R: poly(1:5, 2) prints columns (x - 3)/sqrt(10) and (2, -1, -2, -1, 2)/sqrt(14)
    X = fixed_design("y ~ poly(x, 2)", pd.DataFrame({"x": np.arange(1.0, 6.0), "y": 0.0}))
    np.testing.assert_allclose(
        X["polyx21"], [-0.6324555, -0.3162278, 0.0, 0.3162278, 0.6324555], atol=1e-7
    )
    np.testing.assert_allclose(
        X["polyx22"], [0.5345225, -0.2672612, -0.5345225, -0.2672612, 0.5345225], atol=1e-7
    )


@pytest.mark.stan
def test_poly_predictions_on_newdata_use_the_fitted_polynomials() -> None:
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 4, size=30)
    df = pd.DataFrame({"x": x, "y": 1 + x - 0.3 * x**2 + rng.normal(scale=0.3, size=30)})
    fit = bm.brm("y ~ poly(x, 2)", df, chains=1, iter=1000, seed=1, show_progress=False)
    # new values outside and inside the fitted range; computed alone, poly() of
    # these three would be different polynomials
    new = pd.DataFrame({"x": [-1.0, 2.0, 6.0]})
    _, poly_of = r_poly(x, 2)
    draws = fit.draws_frame()
    b = draws[["b_polyx21", "b_polyx22"]].to_numpy()
    expected = draws["b_Intercept"].to_numpy()[:, None] + b @ poly_of(new["x"].to_numpy()).T
    np.testing.assert_allclose(fit.posterior_linpred(newdata=new), expected, rtol=1e-8)


# Every brms special term pybrms does not support yet: (formula, term named in the error).
NOT_YET = {
    "y ~ I(mi(x))": "mi",  # mi(x) is a term of its own, not part of an expression
    "y ~ I(cs(x))": "cs",  # category-specific, not formulaic's cubic spline
    "y ~ I(me(x, z))": "me",
    "y ~ offset(me(x, z))": "me",
    "y ~ x + unstr(z, g)": "unstr",
    "y ~ x + car(W)": "car",
    "y ~ x + sar(W)": "sar",
    "y ~ x + fcor(V)": "fcor",
    "y | weights(w) + index(s) ~ x": "index",
}


@pytest.mark.parametrize(("formula", "term"), NOT_YET.items())
def test_brms_terms_not_supported_yet_are_refused_by_name(
    formula: str, term: str, data, no_compile
) -> None:
    with pytest.raises(SpecError) as info:
        bm.brm(formula, data, show_progress=False)
    assert isinstance(info.value, PybrmsError)
    message = str(info.value)
    assert message.startswith(f"brms term '{term}()' (")
    assert "is not supported yet by pybrms; supported: population-level terms" in message
    assert "poly(x, 2)" in message  # the transforms are listed


def test_brms_terms_are_refused_in_distributional_formulas(data, no_compile) -> None:
    with pytest.raises(SpecError, match=r"mi\(x\) needs a model of 'x' with mi\(\)"):
        bm.brm(bm.bf("y ~ x", sigma="~ mi(x)"), data, show_progress=False)


@pytest.mark.parametrize("option", ["pw = w"])
def test_gr_options_not_supported_yet_are_refused_by_name(option: str, data, no_compile) -> None:
    keyword = option.split(" ")[0]
    with pytest.raises(SpecError) as info:
        bm.brm(f"y ~ x + (1 | gr(g, {option}))", data, show_progress=False)
    assert isinstance(info.value, PybrmsError)
    assert str(info.value).startswith(f"gr({keyword} = ) (")
    supported = "not supported yet by pybrms; supported gr() arguments: id, cor, by, dist, cov"
    assert supported in str(info.value)


def test_multi_column_transforms_other_than_poly_are_refused(data, no_compile) -> None:
    with pytest.raises(SpecError, match=r"columns of 'bs\(x, df=4\)'.*only poly\(\)"):
        bm.brm("y ~ bs(x, df=4)", data, show_progress=False)


@pytest.mark.parametrize("formula", ["y ~ x:2", "y ~ 2:x", "y ~ x %in% 2"])
def test_numbers_in_interactions_are_refused(formula: str, data, no_compile) -> None:
    with pytest.raises(PybrmsError, match="a number cannot be part of an interaction"):
        bm.brm(formula, data, show_progress=False)
