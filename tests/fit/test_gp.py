"""Gaussian processes gp() fitted: the curve is recovered, exact and approximate agree,
predictions for new data follow the fit, conditional effects run over the covariate.

y = sin(x) + N(0, 0.3) at 60 points on [0, 10]. The posterior of the curve at a
point is close to normal, so its mean is compared with the truth in units of
its posterior sd combined with the Monte Carlo standard error of the mean; with
|z| < 5 a calibrated posterior fails with probability below 1e-6 per point,
whatever the seed. The truth is a smooth function well inside the data, where
smoothing bias is a small fraction of the posterior sd.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest

import pybrms as bm

pytestmark = pytest.mark.stan

GRID = np.linspace(1.0, 9.0, 9)
SIGMA = 0.3


EXACT, APPROXIMATE = "y ~ gp(x)", "y ~ gp(x, k = 25)"


def curve_data() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    x = np.sort(rng.uniform(0, 10, size=60))
    return pd.DataFrame({"x": x, "y": np.sin(x) + rng.normal(0, SIGMA, size=60)})


def stan_programs() -> list[str]:
    """The two fits' programs (compiled at the session's start, tests/conftest.py)."""
    return [bm.stancode(formula, curve_data()) for formula in (EXACT, APPROXIMATE)]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return curve_data()


def _fit(formula: str, data: pd.DataFrame) -> bm.BrmsFit:
    return bm.brm(
        formula,
        data,
        chains=2,
        iter=1000,  # 1000 draws: the MCSE of the curve stays below a tenth of its sd
        seed=4,
        control={"adapt_delta": 0.95},
        show_progress=False,
    )


@pytest.fixture(scope="module")
def exact(data: pd.DataFrame) -> bm.BrmsFit:
    return _fit(EXACT, data)


@pytest.fixture(scope="module")
def approximate(data: pd.DataFrame) -> bm.BrmsFit:
    return _fit(APPROXIMATE, data)


def _curve(fit: bm.BrmsFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean, sd and MCSE of the mean of the curve on the grid."""
    draws = np.asarray(fit.posterior_epred(newdata=pd.DataFrame({"x": GRID})), dtype=float)
    chains = draws.reshape(2, -1, len(GRID))
    mcse = np.array(
        [np.asarray(az.mcse(chains[:, :, k], method="mean")).item() for k in range(len(GRID))]
    )
    return draws.mean(axis=0), draws.std(axis=0), mcse


@pytest.mark.parametrize("kind", ["exact", "approximate"])
def test_curve_and_sigma_are_recovered(kind: str, request: pytest.FixtureRequest):
    fit = request.getfixturevalue(kind)
    mean, sd, mcse = _curve(fit)
    z = (mean - np.sin(GRID)) / np.sqrt(sd**2 + mcse**2)
    assert np.abs(z).max() < 5, z
    log_sigma = np.log(fit.draws.column("sigma").ravel())
    z_sigma = (log_sigma.mean() - np.log(SIGMA)) / log_sigma.std()
    assert abs(z_sigma) < 5


def test_exact_and_approximate_curves_agree(exact: bm.BrmsFit, approximate: bm.BrmsFit):
    """Within 5 combined MCSE, plus a fifth of the posterior sd for the approximation
    (k = 25 basis functions on 1.25 times the range resolve lengthscales far below
    the ones these data support)."""
    m1, s1, e1 = _curve(exact)
    m2, s2, e2 = _curve(approximate)
    np.testing.assert_array_less(np.abs(m1 - m2), 5 * np.hypot(e1, e2) + 0.2 * np.minimum(s1, s2))


@pytest.mark.parametrize("kind", ["exact", "approximate"])
def test_newdata_at_the_fitted_points_reproduces_the_fit(
    kind: str, request: pytest.FixtureRequest, data: pd.DataFrame
):
    fit = request.getfixturevalue(kind)
    np.testing.assert_array_equal(fit.posterior_epred(newdata=data), fit.posterior_epred())
    np.testing.assert_array_equal(fit.posterior_linpred(newdata=data), fit.posterior_linpred())


def test_exact_gp_at_new_points_is_its_conditional(exact: bm.BrmsFit, data: pd.DataFrame):
    """Between two close fitted points the conditional draws hardly spread beyond the
    posterior of the fitted values; each new point gets its own draw per posterior draw."""
    x = data["x"].to_numpy()
    k = int(np.argmin(np.diff(x)))
    middle = pd.DataFrame({"x": [(x[k] + x[k + 1]) / 2] * 2 + [x[k]]})
    new = np.asarray(exact.posterior_epred(newdata=middle), dtype=float)
    fitted = np.asarray(exact.posterior_epred(), dtype=float)[:, k]
    assert new[:, 0].std() < 1.1 * fitted.std() + 1e-3
    np.testing.assert_array_equal(new[:, 0], new[:, 1])  # one draw per distinct point
    np.testing.assert_array_equal(new[:, 2], fitted)


def test_summary_and_conditional_effects(exact: bm.BrmsFit):
    gp_table = exact.summary().sections["Gaussian Process Terms"][""]
    assert list(gp_table.index) == ["sdgp(gpx)", "lscale(gpx)"]
    effects = exact.conditional_effects()
    assert "x" in effects
