"""Bad input fails early with a message naming the argument, the value and what was expected."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from pybrms.flash import flash, flash_init

Y = np.random.default_rng(0).normal(size=(12, 8))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"var_type": 3},
            r"var_type must be 0 \(constant\), 1 \(by row\), 2 \(by column\) or None.*got 3",
        ),
        ({"var_type": "1"}, r"var_type must be .*got '1'"),
        ({"var_type": (1, 2)}, r"var_type must be .*got \(1, 2\)"),
        ({"var_type": None}, r"var_type=None .* S must be given"),
        ({"var_type": 2, "S": np.ones((12, 8))}, r"floor on the residual sd .* scalar"),
        (
            {"var_type": None, "S": np.ones((8, 12))},
            r"S must be .* shape as Y \(12, 8\), got shape \(8, 12\)",
        ),
        ({"var_type": None, "S": np.ones(12)}, r"got shape \(12,\)"),
        ({"var_type": None, "S": -1.0}, r"S must hold positive, finite standard errors"),
    ],
)
def test_bad_s_and_var_type(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        flash_init(Y, **kwargs)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.ones(5), r"Y must be a matrix .* got shape \(5,\)"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinite"),
        ("abc", r"Y must be a 2-d numpy array, a scipy.sparse matrix or a LowRankMatrix, got str"),
        (sp.csr_matrix(np.ones((1, 4))), r"got shape \(1, 4\)"),
    ],
)
def test_bad_y(bad: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        flash_init(bad)


def test_parallel_backfit_needs_constant_variance_and_no_missing() -> None:
    fit = flash_init(Y, var_type=1, verbose=0).factors_init(np.ones(12), np.ones(8))
    with pytest.raises(ValueError, match=r"order='parallel'.*var_type=0.*var_type=1"):
        fit.backfit(order="parallel")
    Ym = Y.copy()
    Ym[0, 0] = np.nan
    fit = flash_init(Ym, verbose=0).factors_init(np.ones(12), np.ones(8))
    with pytest.raises(ValueError, match=r"order='parallel'.*missing"):
        fit.backfit(order="parallel")


def test_bad_pipeline_arguments() -> None:
    fit = flash_init(Y, verbose=0)
    with pytest.raises(ValueError, match=r"order must be one of .*got 'dropout'"):
        fit.backfit(order="dropout")
    with pytest.raises(ValueError, match=r"prior must be a family name .*got 'laplace'"):
        fit.greedy(prior="laplace")
    with pytest.raises(ValueError, match=r"prior must be .*got \('normal',\)"):
        flash(Y, prior=("normal",), verbose=0)
    with pytest.raises(ValueError, match=r"Kmax must be a positive integer, got 0"):
        fit.greedy(Kmax=0)
    with pytest.raises(ValueError, match=r"factors_init: L must be .* 12 rows"):
        fit.factors_init(np.ones(5), np.ones(8))
    one = fit.factors_init(np.ones(12), np.ones(8))
    with pytest.raises(ValueError, match=r"kset holds factor 3, but the fit has 1 factors"):
        one.factors_fix([3])
    with pytest.raises(ValueError, match=r"which must be one of \('loadings', 'factors'\)"):
        one.factors_fix([0], which="rows")
    with pytest.raises(ValueError, match=r"executor must be None, one of .*got 42"):
        one.backfit(order="parallel", executor=42)
    with pytest.raises(ValueError, match=r"labels must have one entry per row .*\(12\), got 3"):
        one.plot_structure(["a", "b", "c"])
