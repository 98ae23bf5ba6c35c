"""Known covariance between grouping levels, ``gr(g, cov = A)`` with ``data2`` (brms's
``Lcov_<id>``, ``scale_r_cor_cov``; R/formula-re.R ``validate_recov_matrix``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.codegen import stancode
from pybrms.errors import PybrmsError, SpecError
from pybrms.scheduler import threading
from pybrms.spec import build_spec
from pybrms.spec.terms import RowRequest
from pybrms.standata import make_standata

LEVELS = ["a", "b", "c"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {"y": rng.normal(size=9), "x": rng.normal(size=9), "g": np.repeat(LEVELS, 3)}
    )


def cov(values: list[list[float]], labels: list[str] | None = None) -> pd.DataFrame:
    labels = labels or LEVELS
    return pd.DataFrame(values, index=labels, columns=labels)


A = cov([[1.0, 0.4, -0.2], [0.4, 1.0, 0.3], [-0.2, 0.3, 1.0]])


def test_cholesky_factor_follows_the_levels(data):
    shuffled = A.loc[["c", "a", "b"], ["c", "a", "b"]]
    spec = build_spec("y ~ (1 | gr(g, cov = A))", data, data2={"A": shuffled})
    L = make_standata(spec)["Lcov_1"]
    np.testing.assert_allclose(L @ L.T, A.to_numpy())
    assert np.allclose(L, np.tril(L))


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_as_brms(data, threads):
    one = stancode("y ~ (1 | gr(g, cov = A))", data, threads=threads, data2={"A": A})
    assert "matrix[N_1, N_1] Lcov_1;  // cholesky factor of known covariance matrix" in one
    assert "vector[N_1] r_1_1 = sd_1[1] * (Lcov_1 * z_1[1]);" in one
    two = stancode("y ~ (1 + x | gr(g, cov = A))", data, threads=threads, data2={"A": A})
    assert "matrix[N_1, M_1] r_1 = scale_r_cor_cov(z_1, sd_1, L_1, Lcov_1);" in two
    assert "matrix scale_r_cor_cov(matrix z, vector SD, matrix L, matrix Lcov)" in two


def test_new_levels_are_refused(data):
    (g,) = build_spec("y ~ (1 | gr(g, cov = A))", data, data2={"A": A}).groups
    new = pd.DataFrame({"g": ["d"]})
    with pytest.raises(SpecError, match="'d' of group 'g'.*known covariance"):
        g.rows(RowRequest(newdata=new, allow_new_levels=True))


BAD = {
    "missing": ({}, "'A' of gr(g, cov = A) was not found in data2"),
    "array": ({"A": A.to_numpy()}, "must be a pandas DataFrame"),
    "level": ({"A": A.loc[["a", "b"], ["a", "b"]]}, "no row for level(s) 'c'"),
    "asymmetric": ({"A": cov([[1.0, 0.4, 0.0], [0.0, 1.0, 0.3], [0.0, 0.3, 1.0]])}, "symmetric"),
    "indefinite": (
        {"A": cov([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])},
        "positive definite",
    ),
    "labels": (
        {"A": pd.DataFrame(A.to_numpy(), index=LEVELS, columns=["c", "b", "a"])},
        "same labels",
    ),
}


@pytest.mark.parametrize(("data2", "culprit"), BAD.values(), ids=BAD.keys())
def test_bad_matrices_are_refused(data, data2, culprit):
    with pytest.raises(SpecError) as caught:
        build_spec("y ~ (1 | gr(g, cov = A))", data, data2=data2)
    assert isinstance(caught.value, PybrmsError)
    assert culprit in str(caught.value)
