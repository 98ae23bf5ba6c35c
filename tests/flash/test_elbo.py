"""The ELBO agrees with an independent dense recomputation; sequential updates never lower it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from pybrms.flash import VarType, flash
from pybrms.flash.data import as_flash_data
from pybrms.flash.factor import update_factor, update_mode
from pybrms.flash.state import FlashState, refresh
from pybrms.flash.tau import (
    RankOnePrecision,
    estimate_precision,
    estimate_precision_and_loglik,
)


def _tau_matrix(state: FlashState, shape: tuple[int, int]) -> np.ndarray:
    prec = state.precision
    if isinstance(prec, RankOnePrecision):
        return np.outer(prec.row, prec.col) * np.ones(shape)
    return np.nan_to_num(1.0 / prec.residuals_sd() ** 2)  # τ as a dense n x p matrix


def _dense_expected_loglik(
    Y0: np.ndarray, Z: np.ndarray, tau: np.ndarray, state: FlashState
) -> float:
    (L, F), (L2, F2) = state.EF, state.EF2
    ER2 = (Y0 - L @ F.T) ** 2 + L2 @ F2.T - (L**2) @ (F**2).T
    with np.errstate(divide="ignore"):
        terms = -0.5 * np.log(2 * np.pi) + 0.5 * np.log(tau) - 0.5 * tau * ER2
    return float(np.sum(np.where(Z, terms, 0.0)))


def _observed(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Z = ~np.isnan(Y)
    return np.where(Z, Y, 0.0), Z


SD = np.random.default_rng(11).uniform(0.5, 1.5, size=(60, 40))
VARIANCE_CASES = [
    (0, None, False),
    (1, None, False),
    (2, None, True),
    ((1, 2), None, False),
    ((1, 2), None, True),
    (0, SD, False),
    (1, SD, True),
    (2, SD, False),
    ((1, 2), SD, False),
    ((1, 2), 0.8, True),
    (1, SD[:, 0], True),
    (2, SD[0], False),
    (None, SD[0], True),
    (0, SD[:, 0], False),
    (2, SD[:, 0], True),
    ((1, 2), SD[0], True),
]


@pytest.mark.parametrize(("var_type", "S", "missing"), VARIANCE_CASES)
def test_elbo_matches_dense_computation_normal_prior(
    simulate, var_type: VarType, S: object, missing: bool
) -> None:
    Y = simulate(n=60, p=40, K=2, seed=3).Y
    if missing:
        Y[np.random.default_rng(0).random(Y.shape) < 0.15] = np.nan
    fit = flash(Y, S, "normal", var_type=var_type, greedy_Kmax=2, backfit=True, verbose=0)
    state = fit._state
    Y0, Z = _observed(Y)
    elogp = _dense_expected_loglik(Y0, Z, _tau_matrix(state, Y.shape), state)
    kl = 0.0
    for k in range(state.n_factors):
        for mode in (0, 1):
            m, v = state.EF[mode][:, k], state.EF2[mode][:, k] - state.EF[mode][:, k] ** 2
            sigma2 = state.g[k][mode].scale ** 2
            kl += 0.5 * np.sum((v + m**2) / sigma2 - 1 - np.log(v / sigma2))
    assert fit.elbo == pytest.approx(elogp - kl, rel=1e-9)


def _dense_normal_means(
    Y0: np.ndarray, Z: np.ndarray, tau: np.ndarray, state: FlashState, k: int, mode: int
) -> tuple[np.ndarray, np.ndarray]:
    """x and s of FLASH.md section 5 from the dense partial residual."""
    (L, F), (L2, F2) = state.EF, state.EF2
    rest = [j for j in range(state.n_factors) if j != k]
    R = Y0 - L[:, rest] @ F[:, rest].T
    W = Z * tau
    if mode == 1:
        W, R, other, other2 = W.T, R.T, L[:, k], L2[:, k]
    else:
        other, other2 = F[:, k], F2[:, k]
    s2 = 1.0 / (W @ other2)
    return s2 * ((W * R) @ other), np.sqrt(s2)


def test_elbo_matches_ebnm_identity_point_normal(simulate) -> None:
    Y = simulate(n=60, p=40, K=2, seed=4).Y
    fit = flash(Y, greedy_Kmax=2, nullcheck=False, verbose=0)
    state, problem = fit._state, fit._problem
    Y0, Z = _observed(Y)
    neg_kl = 0.0
    for k in range(state.n_factors):
        for mode in (0, 1):
            x, s = _dense_normal_means(Y0, Z, _tau_matrix(state, Y.shape), state, k, mode)
            state = update_mode(state, problem, k, mode, warmstart=True)
            g = state.g[k][mode]
            pi0, s2, sig2 = g.pi0, s**2, g.scale**2
            log_marg = logsumexp(
                [norm.logpdf(x, 0, s), norm.logpdf(x, 0, np.sqrt(s2 + sig2))],
                b=[[pi0], [1 - pi0]],
                axis=0,
            )
            w = np.exp(np.log1p(-pi0) + norm.logpdf(x, 0, np.sqrt(s2 + sig2)) - log_marg)
            post_mean = w * sig2 * x / (sig2 + s2)
            np.testing.assert_allclose(state.EF[mode][:, k], post_mean, rtol=1e-7, atol=1e-10)
            m, m2 = state.EF[mode][:, k], state.EF2[mode][:, k]
            e_log_normal = -0.5 * np.sum(np.log(2 * np.pi * s2) + (m2 - 2 * x * m + x**2) / s2)
            neg_kl += np.sum(log_marg) - e_log_normal
    state = refresh(state, problem)
    elogp = _dense_expected_loglik(Y0, Z, _tau_matrix(state, Y.shape), state)
    assert state.elbo == pytest.approx(elogp + neg_kl, rel=1e-9)


@pytest.mark.parametrize(
    ("var_type", "S"), [(0, None), ((1, 2), None), (1, SD[:, :30] * 1.2), ((1, 2), 0.7)]
)
def test_sequential_updates_never_decrease_elbo(simulate, var_type: VarType, S: object) -> None:
    Y = simulate(n=60, p=30, K=3, seed=5).Y
    fit = flash(Y, S, var_type=var_type, greedy_Kmax=3, nullcheck=False, verbose=0)
    state, problem = fit._state, fit._problem
    assert state.n_factors == 3
    for _ in range(4):
        for k in range(state.n_factors):
            updated = update_factor(state, problem, k, warmstart=True)
            assert updated.elbo >= state.elbo - 1e-9 * abs(state.elbo)
            state = updated
    trace = fit.backfit(order="sequential", maxiter=20).trace
    backfit_elbo = trace.loc[trace["step"] == "backfit (sequential)", "elbo"].to_numpy()
    assert np.all(np.diff(np.concatenate([[fit.elbo], backfit_elbo])) >= 0)


def test_extrapolated_backfit_improves_on_greedy(simulate) -> None:
    Y = simulate(n=80, p=50, K=3, seed=6).Y
    greedy = flash(Y, greedy_Kmax=3, nullcheck=False, verbose=0)
    extrapolated = greedy.backfit()
    sequential = greedy.backfit(order="sequential")
    assert extrapolated.elbo > greedy.elbo
    assert extrapolated.elbo == pytest.approx(sequential.elbo, rel=1e-6)


@pytest.mark.parametrize("var_type", [0, 1, 2])
@pytest.mark.parametrize("missing", [False, True])
def test_precision_and_loglik_share_the_residuals_exactly(var_type: int, missing: bool) -> None:
    # The M-step and the expected log-likelihood computed together equal the two
    # computed apart, for any moments (not only at a fitted state).
    rng = np.random.default_rng(var_type)
    Y = rng.normal(size=(30, 20))
    if missing:
        Y[rng.random(Y.shape) < 0.2] = np.nan
    data = as_flash_data(Y)
    EF = (rng.normal(size=(30, 2)), rng.normal(size=(20, 2)))
    EF2 = (EF[0] ** 2 + rng.uniform(size=(30, 2)), EF[1] ** 2 + rng.uniform(size=(20, 2)))
    YP = (data.project(EF[1], 0), data.project(EF[0], 1))
    tau, loglik = estimate_precision_and_loglik(var_type, data, EF, EF2, YP)
    apart = estimate_precision(var_type, data, EF, EF2, YP)
    np.testing.assert_array_equal(tau.row, apart.row)
    np.testing.assert_array_equal(tau.col, apart.col)
    assert loglik == pytest.approx(apart.loglik(data, EF, EF2, YP), rel=1e-12)
