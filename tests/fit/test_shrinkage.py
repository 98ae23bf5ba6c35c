"""Shrinkage priors in fits: a sparse truth recovered, the priors checked on their own.

One data set, 10 standard normal predictors of which 2 have an effect (N = 100),
fitted with ``horseshoe(1)`` and with ``R2D2(mean_R2 = 0.5, prec_R2 = 2)``:

* every coefficient, zero or not, lies within 5 standard errors of its truth
  (posterior sd and MCSE of the mean combined, as in ``test_recovery.py``);
* the zero coefficients are shrunk: under brms's default flat prior on ``b`` the
  posterior mean of a gaussian regression's coefficients is the least-squares
  estimate, and the sum of the absolute posterior means of the eight zero
  coefficients must lie below the least-squares one by more than 5 MCSEs of that
  sum (when this was written: 0.21 and 0.28 against 0.43, with an MCSE of 0.01);
* the horseshoe program's log density at random points equals the same density
  written with scipy, for other prior arguments than the fit's (they are data);
* draws from the R2D2 prior alone (``sample_prior="only"``, the same program)
  have the moments of its beta and Dirichlet parts;
* predictions for new rows read ``b`` as without a shrinkage prior.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.spec import build_spec
from pybrms.standata import make_standata

pytestmark = pytest.mark.stan

N, P = 100, 10
TRUTH = np.r_[2.0, -1.5, np.zeros(P - 2)]
COEFS = [f"x{k}" for k in range(1, P + 1)]
FORMULA = "y ~ " + " + ".join(COEFS)
PRIORS = {"horseshoe": "horseshoe(1)", "R2D2": "R2D2(mean_R2 = 0.5, prec_R2 = 2)"}
Z = 5.0


def sparse_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, P))
    df = pd.DataFrame(X, columns=COEFS)
    df["y"] = 0.5 + X @ TRUTH + rng.normal(size=N)
    return df


def stan_programs() -> list[str]:
    """The fits' programs, one per shrinkage prior (compiled at the session's start,
    tests/conftest.py); the prior's values are data, so the R2D2 prior-only fit reuses
    its program."""
    return [bm.stancode(FORMULA, sparse_data(), prior=bm.prior(text)) for text in PRIORS.values()]


@pytest.fixture(scope="module")
def sparse() -> pd.DataFrame:
    return sparse_data()


def _fit(data: pd.DataFrame, text: str, sample_prior: str = "no") -> bm.BrmsFit:
    return bm.brm(
        FORMULA,
        data,
        prior=bm.prior(text),
        sample_prior=sample_prior,
        chains=2,
        iter=1000,
        seed=3,
        control={"adapt_delta": 0.95},
        show_progress=False,
    )


@pytest.fixture(scope="module", params=list(PRIORS))
def sparse_fit(request: pytest.FixtureRequest, sparse: pd.DataFrame) -> bm.BrmsFit:
    return _fit(sparse, PRIORS[request.param])


def _chains(fit: bm.BrmsFit, column: str) -> np.ndarray:
    return fit.draws_frame(column)[column].to_numpy().reshape(2, -1)


def _mcse(values: np.ndarray) -> float:
    """Monte Carlo standard error of the mean of ``(chains, draws)`` values."""
    return np.asarray(az.mcse(values, method="mean")).item()


def test_sparse_truth_is_recovered_and_zeros_are_shrunk(sparse_fit, sparse):
    means, sds, mcses = (np.empty(P) for _ in range(3))
    for k, coef in enumerate(COEFS):
        values = _chains(sparse_fit, f"b_{coef}")
        means[k], sds[k] = values.mean(), values.std(ddof=1)
        mcses[k] = _mcse(values)
    z = (means - TRUTH) / np.hypot(sds, mcses)
    assert np.all(np.abs(z) < Z), f"truth not recovered: z = {np.round(z, 2)}"
    design = np.column_stack([np.ones(N), sparse[COEFS].to_numpy()])
    least_squares = np.linalg.lstsq(design, sparse["y"].to_numpy(), rcond=None)[0][1:]
    zero = TRUTH == 0
    shrunk = np.abs(means[zero]).sum() + Z * np.sqrt(np.sum(mcses[zero] ** 2))
    assert shrunk < np.abs(least_squares[zero]).sum(), (means[zero], least_squares[zero])


def test_fit_keeps_brms_variables(sparse_fit):
    columns = set(sparse_fit.draws_frame().columns)
    kept = {"hs_global", "hs_slab"} if "hs_global" in columns else {"R2D2_R2", "R2D2_tau2"}
    assert kept | {f"sdb_{c}" for c in COEFS} | {f"b_{c}" for c in COEFS} <= columns
    assert not {"zb", "hs_local", "R2D2_phi", "scales"} & {c.split("[")[0] for c in columns}
    prior_rows = sparse_fit.prior_summary()
    assert prior_rows.loc[prior_rows["class"] == "b", "prior"].iloc[0] in PRIORS.values()


def test_predictions_for_new_rows_read_b(sparse_fit, sparse):
    new = sparse.iloc[:5].copy()
    new[COEFS] = np.random.default_rng(1).normal(size=(5, P))
    draws = sparse_fit.draws_frame()
    b = draws[[f"b_{c}" for c in COEFS]].to_numpy()
    expected = draws["b_Intercept"].to_numpy()[:, None] + b @ new[COEFS].to_numpy().T
    np.testing.assert_allclose(sparse_fit.posterior_epred(newdata=new), expected, rtol=1e-10)


def _half_t(x: np.ndarray, df: float, scale: float) -> float:
    return float(np.sum(stats.t.logpdf(x, df, scale=scale) + np.log(2)))


def test_horseshoe_log_density_is_the_written_one(sparse):
    # the program of the horseshoe fit (compiled once, cached)
    spec = build_spec(FORMULA, sparse, prior=bm.prior(PRIORS["horseshoe"]))
    model = compile_model(render(spec), show_progress=False)
    data = make_standata(spec) | {
        "hs_df": 3.0,
        "hs_df_global": 2.0,
        "hs_scale_global": 0.3,
        "hs_df_slab": 5.0,
        "hs_scale_slab": 1.5,
    }
    points = np.random.default_rng(5).normal(scale=0.7, size=(3, 2 * P + 4))
    got = model.log_prob(data, points, jacobian=False).lp
    # parameters in declaration order: zb, Intercept, hs_global, hs_slab, hs_local, sigma
    Xc = np.asarray(data["X"])[:, 1:] - np.asarray(data["X"])[:, 1:].mean(axis=0)
    expected = []
    for u in points:
        zb, intercept = u[:P], u[P]
        tau, slab, local, sigma = (
            np.exp(u[P + 1]),
            np.exp(u[P + 2]),
            np.exp(u[P + 3 : -1]),
            np.exp(u[-1]),
        )
        c2 = 1.5**2 * slab
        b = zb * tau * np.sqrt(c2 * local**2 / (c2 + tau**2 * local**2))
        lp = np.sum(stats.norm.logpdf(data["Y"], intercept + Xc @ b, sigma))
        lp += np.sum(stats.norm.logpdf(zb))
        lp += stats.t.logpdf(
            intercept, *(data[f"Intercept_prior_{a}"] for a in ("nu", "mu", "sigma"))
        )
        lp += _half_t(sigma, data["sigma_prior_nu"], data["sigma_prior_sigma"])
        lp += _half_t(tau, 2.0, 0.3 * sigma)
        lp += stats.invgamma.logpdf(slab, 2.5, scale=2.5)
        lp += _half_t(local, 3.0, 1.0)
        expected.append(lp)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_r2d2_prior_draws_have_its_moments(sparse):
    fit = _fit(sparse, "R2D2(mean_R2 = 0.3, prec_R2 = 4, cons_D2 = 2)", sample_prior="only")
    r2 = _chains(fit, "R2D2_R2")
    tau2 = _chains(fit, "R2D2_tau2")
    # the draws are written with 6 significant digits
    np.testing.assert_allclose(tau2, _chains(fit, "sigma") ** 2 * r2 / (1 - r2), rtol=1e-5)
    phi = _chains(fit, "sdb_x1") ** 2 / tau2
    unit = _chains(fit, "b_x1") / _chains(fit, "sdb_x1")
    beta = stats.beta(0.3 * 4, 0.7 * 4)
    # Dirichlet(2, ..., 2) over 10 coefficients: E[phi] = 1/10, E[phi^2] = 2 * 3 / (20 * 21)
    for values, expected in (
        (r2, beta.mean()),
        (r2**2, beta.moment(2)),
        (phi, 0.1),
        (phi**2, 6 / 420),
        (unit**2, 1.0),
    ):
        mcse = _mcse(values)
        assert abs(values.mean() - expected) < Z * mcse, (values.mean(), expected, mcse)
