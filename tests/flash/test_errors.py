"""Bad input fails early with a FlashError naming the argument, the value and what was expected."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from pybrms.errors import FlashError, PybrmsError
from pybrms.flash import FlashFit, VarType, flash, flash_init

Y = np.random.default_rng(0).normal(size=(12, 8))


def _with(rows: object = None, cols: object = None, value: float = np.nan) -> np.ndarray:
    """Y with the given rows or columns set to ``value``."""
    out = Y.copy()
    if rows is not None:
        out[rows] = value
    if cols is not None:
        out[:, cols] = value
    return out


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"var_type": 3}, r"var_type must be 0 \(constant\), 1 \(by row\), 2 \(by column\).*got 3"),
        ({"var_type": "1"}, r"var_type must be .*got '1'"),
        ({"var_type": (1, 3)}, r"var_type must be .*\(1, 2\) \(Kronecker.*got \(1, 3\)"),
        ({"var_type": [1, 1]}, r"var_type must be .*got \[1, 1\]"),
        ({"var_type": (1.0, 2)}, r"var_type must be .*got \(1.0, 2\)"),
        ({"var_type": None}, r"var_type=None .* S must be given"),
        (
            {"var_type": 2, "S": np.ones(7)},
            r"S has length 7, which matches neither the 12 rows nor the 8 columns of Y",
        ),
        (
            {"var_type": 2, "S": np.ones((1, 8))},
            r"S must be a positive scalar, a vector .* got shape \(1, 8\) \(with var_type=2, a "
            r"scalar S, or a vector along the mode that var_type estimates, is a floor",
        ),
        (
            {"var_type": (1, 2), "S": np.ones((8, 12))},
            r"S must be .* shape as Y \(12, 8\); got shape \(8, 12\) \(with var_type=\(1, 2\)",
        ),
        ({"var_type": 0, "S": np.zeros((12, 8))}, r"S must hold positive, finite standard errors"),
        ({"var_type": (1, 2), "S": -0.5}, r"S must hold positive, finite standard errors"),
        (
            {"var_type": None, "S": np.ones((8, 12))},
            r"S must be .* shape as Y \(12, 8\); got shape \(8, 12\)",
        ),
        ({"var_type": None, "S": np.ones(13)}, r"S has length 13, which matches neither"),
        ({"var_type": 0, "S": np.r_[np.ones(11), 0.0]}, r"S must hold positive, finite"),
        (
            {"var_type": None, "S": np.ones(8), "S_dim": 1},
            r"S_dim=1 .* needs length 12 .* got length 8",
        ),
        ({"var_type": None, "S": np.ones(8), "S_dim": 3}, r"S_dim must be None, 1 .* got 3"),
        (
            {"var_type": None, "S": np.ones((12, 8)), "S_dim": 2},
            r"got shape \(12, 8\) with S_dim=2",
        ),
        ({"S_dim": 1}, r"S_dim=1 was given without S"),
        (
            {"Y": np.ones((5, 5)), "var_type": None, "S": np.ones(5)},
            r"S has length 5 and Y is square \(5 x 5\), .* pass S_dim=1 \(by row\) or S_dim=2",
        ),
        ({"var_type": None, "S": -1.0}, r"S must hold positive, finite standard errors"),
        ({"var_type": None, "S": "big"}, r"S must be numeric, got 'big'"),
        ({"Y": np.ones(5)}, r"Y must be a matrix .* got shape \(5,\)"),
        ({"Y": np.array([[1.0, np.inf], [0.0, 1.0]])}, "infinite"),
        ({"Y": "abc"}, r"Y must be a 2-d numpy array, a scipy.sparse matrix .* got str"),
        ({"Y": [["a", "b"], ["c", "d"]]}, r"Y must be numeric"),
        ({"Y": sp.csr_matrix(np.ones((1, 4)))}, r"got shape \(1, 4\)"),
        ({"Y": np.full((12, 8), np.nan)}, r"Y has no observed entries \(every entry is NaN\)"),
        (
            {"Y": np.zeros((12, 8))},
            r"every observed entry of Y is zero, so the residual sd would be 0",
        ),
        (
            {"Y": _with(rows=[3, 7], value=0.0), "var_type": 1},
            r"one residual sd per row, but rows \[3, 7\] of Y are all zero",
        ),
        (
            {"Y": sp.csr_matrix(_with(rows=5, value=0.0)), "var_type": 1},
            r"rows \[5\] of Y are all zero",
        ),
        (
            {"Y": _with(cols=2), "var_type": 2},
            r"per column, but columns \[2\] of Y have no observed entries \(all NaN\)",
        ),
        (
            {"Y": _with(cols=[1, 6], value=0.0), "var_type": 2},
            r"columns \[1, 6\] of Y are all zero",
        ),
        (
            {"Y": _with(rows=3, value=0.0), "var_type": (1, 2)},
            r"var_type=\(1, 2\) estimates one residual sd per row, but rows \[3\] of Y are all "
            r"zero.* use var_type=2, or pass S",
        ),
        (
            {"Y": _with(cols=4), "var_type": [2, 1]},
            r"var_type=\(1, 2\) .* per column, but columns \[4\] of Y have no observed entries",
        ),
    ],
)
def test_bad_data_s_and_var_type(args: dict, match: str) -> None:
    kwargs = {"Y": Y, **args}
    with pytest.raises(FlashError, match=match) as info:
        flash_init(kwargs.pop("Y"), **kwargs)
    assert isinstance(info.value, PybrmsError)


def test_all_zero_row_is_fine_with_a_floor_or_constant_variance() -> None:
    zero_row = _with(rows=4, value=0.0)
    floored = flash_init(zero_row, S=0.5, var_type=1, verbose=0)
    assert floored.residuals_sd[4] == pytest.approx(0.5)
    assert np.isfinite(flash_init(zero_row, verbose=0).residuals_sd)
    missing_row = flash_init(_with(rows=4), verbose=0)
    assert np.isfinite(missing_row.residuals_sd)


def _one_factor(var_type: VarType = 0, S: object = None) -> FlashFit:
    fit = flash_init(Y, S=S, var_type=var_type, verbose=0)
    return fit.factors_init(np.ones(12), np.ones(8))


def _missing_entry() -> FlashFit:
    Ym = Y.copy()
    Ym[0, 0] = np.nan
    return flash_init(Ym, verbose=0).factors_init(np.ones(12), np.ones(8))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: flash(Y, prior=None, verbose=0), r"prior must be a family name .*got None"),
        (lambda: flash(Y, prior=3, verbose=0), r"prior must be a family name .*got 3"),
        (lambda: flash(Y, prior=("normal",), verbose=0), r"prior must be .*got \('normal',\)"),
        (
            lambda: _one_factor().greedy(prior="laplace"),
            r"prior must be a family name .*got 'laplace'",
        ),
        (lambda: _one_factor().greedy(Kmax=0), r"Kmax must be a positive integer, got 0"),
        (
            lambda: _one_factor().backfit(order="backwards"),
            r"order must be one of .*got 'backwards'",
        ),
        (
            lambda: _one_factor().backfit(tol="small"),
            r"tol must be a nonnegative number, got 'small'",
        ),
        (lambda: _one_factor().backfit(tol=-1.0), r"tol must be a nonnegative number, got -1.0"),
        (
            lambda: _one_factor().backfit(kset=["a"]),
            r"backfit: kset holds \['a'\], but the fit has 1 factors",
        ),
        (lambda: _one_factor().nullcheck(tol=None).nullcheck(tol=[1]), r"tol must be .*got \[1\]"),
        (
            lambda: _one_factor().factors_init(np.ones(5), np.ones(8)),
            r"factors_init: L must be .* 12 rows",
        ),
        (lambda: _one_factor().factors_init(np.ones(12), "x"), r"factors_init: F must be numeric"),
        (
            lambda: _one_factor().factors_fix([3]),
            r"factors_fix: kset holds \[3\], but the fit has 1 factors",
        ),
        (
            lambda: _one_factor().factors_fix([0], which="rows"),
            r"which must be one of \('loadings', 'factors'\)",
        ),
        (
            lambda: _one_factor().factors_fix([0], idx=[0.5]),
            r"idx for the loadings must hold integer indices",
        ),
        (
            lambda: _one_factor().plot_structure(["a", "b", "c"]),
            r"labels must have one entry per row .*\(12\), got 3",
        ),
        (
            lambda: _one_factor(S=np.ones((12, 8))).backfit(order="parallel"),
            r"'parallel'\) needs a residual precision of the form τ_i τ_j .*var_type=0 with an "
            r"n x p S",
        ),
        (
            lambda: _one_factor(None, S=np.ones((12, 8))).backfit(order="parallel"),
            r"'parallel'.*var_type=None with an n x p S",
        ),
        (
            lambda: _one_factor().factors_fix([0]).backfit(order="parallel", kset=[0]),
            r"'parallel'\): kset holds factors \[0\], which have fixed loadings or factors",
        ),
        (lambda: _missing_entry().backfit(order="parallel"), r"order='parallel'.*missing"),
    ],
)
def test_bad_pipeline_arguments(call: Callable[[], object], match: str) -> None:
    with pytest.raises(PybrmsError, match=match) as info:
        call()
    assert isinstance(info.value, ValueError)


def _nonnegative_signal_on_negative_residuals(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``a bᵀ + noise`` with ``a > 0`` and ``b`` mostly negative but positive on 5 columns.

    At any random ``v >= 0``, ``Y v`` is negative in every row, so a nonnegative power
    iteration from a random start ends at zero, although ``a b⁺ᵀ`` is nonnegative structure.
    """
    rng = np.random.default_rng(seed)
    a = 1.0 + np.abs(rng.normal(size=100))
    b = np.where(np.arange(60) < 5, 3.0, -1.0)
    return np.outer(a, b) + 0.3 * rng.normal(size=(100, 60)), a


@pytest.mark.parametrize("seed", [0, 1])
def test_nonnegative_greedy_finds_structure_a_random_start_misses(seed: int) -> None:
    Yn, a = _nonnegative_signal_on_negative_residuals(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = flash(Yn, prior="point_exponential", greedy_Kmax=3, verbose=0)
    assert fit.n_factors >= 1
    assert np.corrcoef(fit.L_pm[:, 0], a)[0, 1] > 0.95
    assert np.all(fit.F_pm[:5, 0] > 1.0)
    assert np.all(fit.F_pm[5:, 0] < 0.1)


def test_greedy_says_why_it_stopped_only_when_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    Yn = -1.0 + 0.1 * np.random.default_rng(2).normal(size=(40, 30))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = flash(Yn, prior="point_exponential", verbose=0)
    assert quiet.n_factors == 0
    assert capsys.readouterr().out == ""
    flash(Yn, prior="point_exponential", verbose=1)
    assert (
        "greedy: stopped: the residuals have no rank-one structure left" in capsys.readouterr().out
    )


def test_quiet_fits_warn_about_nothing(simulate) -> None:
    Ym = simulate(n=60, p=40, K=2, seed=4).Y
    Ym[np.random.default_rng(1).random(Ym.shape) < 0.1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for prior, var_type in (
            ("point_normal", 0),
            ("point_laplace", 1),
            ("normal_scale_mixture", 2),
        ):
            flash(Ym, prior=prior, var_type=var_type, greedy_Kmax=3, backfit=True, verbose=0)
