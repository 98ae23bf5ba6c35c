"""Tests of the EBNM solvers (pybrms.flash.ebnm) against quadrature and known truths."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats

from pybrms.errors import FlashError, PybrmsError
from pybrms.flash.ebnm import FAMILIES, EbnmResult, Prior, ebnm, get_family, warm_start_ok
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.numerics import log_mills
from pybrms.flash.ebnm.parametric import _Objective

PARAMETRIC = ["normal", "point_normal", "point_laplace", "point_exponential"]

# --------------------------------------------------------------------------------------
# Reference values by direct numerical integration over theta
# --------------------------------------------------------------------------------------


def normal_logpdf(t: float, mean: float, sd: float) -> float:
    # plain math: scipy.stats' per-call overhead dominates inside quad
    return -0.5 * math.log(2.0 * math.pi * sd * sd) - 0.5 * ((t - mean) / sd) ** 2


def slab_logpdf(prior: Prior):
    """Log density of the continuous part of g, written independently of the package."""
    mu, b = prior.mode, prior.scale
    if prior.family in ("normal", "point_normal"):
        return lambda t: normal_logpdf(t, mu, b)
    if prior.family == "point_laplace":
        return lambda t: -math.log(2.0 * b) - abs(t - mu) / b
    if prior.family == "point_exponential":
        return lambda t: -math.log(b) - (t - mu) / b if t >= mu else -math.inf
    comps = [(w, sd) for w, sd in zip(prior.weights, prior.sds, strict=True) if sd > 0]
    total = sum(w for w, _ in comps)

    def mixture(t: float) -> float:
        logs = [math.log(w / total) + normal_logpdf(t, mu, sd) for w, sd in comps]
        top = max(logs)
        return top + math.log(sum(math.exp(v - top) for v in logs))

    return mixture


def quadrature(prior: Prior, x: float, s: float) -> dict[str, float]:
    """log p(x|g), E[theta|x], E[theta^2|x] and lfsr, integrating the slab with quad."""
    atom = prior.pi0
    log_slab = slab_logpdf(prior)
    # Only to keep the integrand O(1) at extreme x: scale it by the package's log
    # marginal (any error in that value would still show up in the result).
    ref = prior.log_marginal(np.array([x]), s)[0]
    mu = prior.mode
    width = 60.0 * max(s, prior.scale or max(prior.sds))
    lo, hi = min(x, mu) - width, max(x, mu) + width
    # Break the range where the integrand bends: at the kinks and around the peak.
    near_x = [x + k * s for k in (-40, -10, -3, 0, 3, 10, 40)]
    near_mu = [mu + k * s for k in (-1, -0.1, -0.01, 0.01, 0.1, 1)]
    breaks = np.array(sorted({lo, hi, mu, 0.0, *near_x, *near_mu}))

    def integral(power: int, a: float, b: float) -> float:
        def f(t):
            return t**power * math.exp(normal_logpdf(x, t, s) + log_slab(t) - ref)

        cuts = [a, *breaks[(breaks > a) & (breaks < b)], b]
        return sum(
            integrate.quad(f, u, v, epsabs=0, epsrel=1e-11, limit=200)[0]
            for u, v in zip(cuts[:-1], cuts[1:], strict=True)
        )

    null = atom * np.exp(stats.norm.logpdf(x, mu, s) - ref)
    slab = [(1 - atom) * integral(k, lo, hi) for k in range(3)]
    total = null + slab[0]
    neg = (1 - atom) * integral(0, lo, 0.0) if lo < 0 else 0.0
    pos = (1 - atom) * integral(0, 0.0, hi) if hi > 0 else 0.0
    neg += null * (mu < 0)
    pos += null * (mu > 0)
    zero = null * (mu == 0)
    return {
        "log_marginal": np.log(total) + ref,
        "mean": (null * mu + slab[1]) / total,
        "second_moment": (null * mu**2 + slab[2]) / total,
        "lfsr": min(neg + zero, pos + zero) / total,
    }


PRIORS = [
    Prior("normal", scale=2.0),
    Prior("normal", scale=0.7, mode=-1.0),
    Prior("point_normal", pi0=0.6, scale=2.0),
    Prior("point_normal", pi0=0.3, scale=0.5, mode=0.8),
    Prior("point_laplace", pi0=0.6, scale=2.0),
    Prior("point_laplace", pi0=0.2, scale=0.5, mode=-0.7),
    Prior("point_exponential", pi0=0.6, scale=2.0),
    Prior("point_exponential", pi0=0.4, scale=0.5, mode=-0.5),
    Prior(
        "normal_scale_mixture",
        pi0=0.5,
        weights=(0.5, 0.2, 0.2, 0.1),
        sds=(0.0, 0.5, 2.0, 6.0),
    ),
]
Z_VALUES = [0.0, 3.0, -3.0, 30.0, -30.0]
S_VALUES = [1.0, 0.05]


# quad warns on tail pieces that hold ~1e-150 of the integral; harmless at these tolerances
QUAD_TAILS = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")


@QUAD_TAILS
@pytest.mark.parametrize("prior", PRIORS, ids=lambda g: f"{g.family}-{g.mode}")
@pytest.mark.parametrize("z", Z_VALUES)
@pytest.mark.parametrize("s", S_VALUES)
def test_closed_forms_match_quadrature(prior: Prior, z: float, s: float) -> None:
    x = prior.mode + z * s
    res = ebnm(
        np.array([x]),
        s,
        prior.family,
        g_init=prior,
        fix_g=True,
        output=("mean", "second_moment", "lfsr"),
    )
    ref = quadrature(prior, x, s)
    scale = prior.scale or max(prior.sds)
    atol = 1e-9 * (abs(prior.mode) + scale)
    np.testing.assert_allclose(res.log_likelihood, ref["log_marginal"], rtol=1e-8)
    np.testing.assert_allclose(res.posterior_mean[0], ref["mean"], rtol=1e-6, atol=atol)
    np.testing.assert_allclose(res.posterior_second_moment[0], ref["second_moment"], rtol=1e-6)
    np.testing.assert_allclose(res.lfsr[0], ref["lfsr"], rtol=1e-6, atol=1e-12)


@QUAD_TAILS
@pytest.mark.parametrize(
    ("family", "x", "s"),
    [
        ("point_laplace", 300.0, 1.0),
        ("point_laplace", -2e3, 2.0),
        ("point_exponential", -300.0, 1.0),
        ("point_exponential", 1e3, 1.0),
        ("point_normal", 1e3, 1.0),
        ("point_laplace", 5.0, 1e-4),
        ("point_exponential", 2.0, 1e-3),
    ],
)
def test_extreme_x_over_s_stays_finite_and_accurate(family: str, x: float, s: float) -> None:
    prior = Prior(family, pi0=0.5, scale=2.0)
    res = ebnm(np.array([x]), s, family, g_init=prior, fix_g=True, output=("mean", "lfsr"))
    ref = quadrature(prior, x, s)
    assert np.isfinite(res.log_likelihood)
    np.testing.assert_allclose(res.log_likelihood, ref["log_marginal"], rtol=1e-8)
    np.testing.assert_allclose(res.posterior_mean[0], ref["mean"], rtol=1e-6)
    np.testing.assert_allclose(res.lfsr[0], ref["lfsr"], rtol=1e-6, atol=1e-300)


# --------------------------------------------------------------------------------------
# Fitting: optimality, recovery, warm starts
# --------------------------------------------------------------------------------------

N = 5000
TRUTH = {
    "point_normal": (0.7, 3.0, lambda rng, n: rng.normal(0.0, 3.0, n)),
    "point_laplace": (0.7, 2.0, lambda rng, n: rng.laplace(0.0, 2.0, n)),
    "point_exponential": (0.7, 2.0, lambda rng, n: rng.exponential(2.0, n)),
}


def simulate(family: str, seed: int = 1, mode: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pi0, _, draw = TRUTH[family]
    theta = np.where(rng.random(N) < pi0, 0.0, draw(rng, N)) + mode
    s = rng.uniform(0.5, 1.5, N)
    return theta + s * rng.normal(size=N), s


def perturbations(prior: Prior):
    for name in ("pi0", "scale", "mode"):
        value = getattr(prior, name)
        if name == "pi0" and prior.family == "normal":
            continue
        for sign in (-1.0, 1.0):
            step = 1e-3 * (abs(value) if value else 1.0)
            yield replace(prior, **{name: value + sign * step})


@pytest.mark.parametrize("family", PARAMETRIC)
@pytest.mark.parametrize("mode", [0.0, "estimate"])
def test_fit_is_a_local_maximum(family: str, mode: float | str) -> None:
    x, s = simulate("point_laplace" if family == "normal" else family, mode=0.3)
    res = ebnm(x, s, family, mode=mode)
    assert res.log_likelihood == pytest.approx(res.prior.log_likelihood(x, s), rel=1e-14)
    for nearby in perturbations(res.prior):
        if mode != "estimate" and nearby.mode != res.prior.mode:
            continue
        assert res.log_likelihood >= nearby.log_likelihood(x, s) - 1e-9
    if family != "normal":
        null = replace(res.prior, pi0=1.0)
        assert res.log_likelihood > null.log_likelihood(x, s)


@pytest.mark.parametrize("family", PARAMETRIC)
@pytest.mark.parametrize(("estimate_mode", "exact"), [(False, False), (True, False), (False, True)])
def test_closed_form_gradient_and_hessian_match_finite_differences(
    family: str, estimate_mode: bool, exact: bool
) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=60) * 2.0
    x = np.abs(x) if family == "point_exponential" else x
    s = rng.uniform(0.5, 2.0, 60)
    if exact:  # s = 0: theta known; one at the mode, where only the point mass counts
        s[:3], x[0] = 0.0, 0.0
    fam = get_family(family)
    objective = _Objective(
        fam.slab, NormalMeans.from_arrays(x, s), fam.pointmass, None if estimate_mode else 0.0
    )
    p = np.array([0.4] * fam.pointmass + [0.3] + [0.2] * estimate_mode)
    value, grad, hess = objective.derivatives(p)
    h = 1e-5
    unit = np.eye(p.size)
    num_grad = [(objective.value(p + h * e) - objective.value(p - h * e)) / (2 * h) for e in unit]
    num_hess = [
        (objective.derivatives(p + h * e)[1] - objective.derivatives(p - h * e)[1]) / (2 * h)
        for e in unit
    ]
    # central differences: truncation O(h^2) ~ 1e-10 times third derivatives of order one
    assert value == pytest.approx(objective.value(p), rel=1e-14)
    np.testing.assert_allclose(grad, num_grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hess, num_hess, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("t", [-60.0, -37.5, -36.0, -8.0, -1.0, 0.0, 0.5, 4.9, 5.1, 30.0, 1e3, 1e6])
def test_log_mills_matches_high_precision(t: float) -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    exact = mpmath.log(mpmath.ncdf(-t) / mpmath.npdf(t))
    assert float(log_mills(np.array(t))) == pytest.approx(float(exact), rel=1e-13, abs=1e-14)


# Standard errors at n = 5000 (from the observed information, checked over 20 seeds):
# pi0 about 0.012-0.02, scale about 4 %, mode about 0.02. Tolerances are ~4 of them.
@pytest.mark.parametrize("family", list(TRUTH))
@pytest.mark.parametrize("mode", [0.0, 1.5])
def test_recovers_simulated_prior(family: str, mode: float) -> None:
    pi0, scale, _ = TRUTH[family]
    x, s = simulate(family, seed=7, mode=mode)
    fit = ebnm(x, s, family, mode="estimate" if mode else 0.0).prior
    assert fit.pi0 == pytest.approx(pi0, abs=0.08)
    assert fit.scale == pytest.approx(scale, rel=0.15)
    assert fit.mode == pytest.approx(mode, abs=0.1)


@pytest.mark.parametrize("family", ["point_normal", "point_laplace"])
def test_underdispersed_data_collapse_to_point_mass(family: str) -> None:
    x = np.random.default_rng(3).normal(size=200) * 0.5
    res = ebnm(x, 1.0, family)
    assert res.prior.pi0 == 1.0
    assert np.all(res.posterior_mean == 0.0)
    np.testing.assert_allclose(res.log_likelihood, stats.norm.logpdf(x, 0, 1).sum())


@pytest.mark.parametrize("family", PARAMETRIC + ["normal_scale_mixture"])
def test_fix_g_evaluates_at_the_given_prior(family: str) -> None:
    x, s = simulate("point_normal", seed=4)
    g = ebnm(x[:500], s[:500], family).prior
    res = ebnm(x, s, family, g_init=g, fix_g=True)
    assert res.prior is g
    assert res.log_likelihood == g.log_likelihood(x, s)


@pytest.mark.parametrize("family", PARAMETRIC)
@pytest.mark.parametrize("mode", [0.0, "estimate"])
def test_warm_start_reaches_the_cold_optimum(family: str, mode: float | str) -> None:
    x, s = simulate("point_exponential" if family == "point_exponential" else "point_normal")
    cold = ebnm(x, s, family, mode=mode)
    start = ebnm(x[:300], s[:300], family, mode=mode).prior  # a different optimum
    warm = ebnm(x, s, family, mode=mode, g_init=start)
    assert warm.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-10)
    for name in ("pi0", "scale", "mode"):
        assert getattr(warm.prior, name) == pytest.approx(getattr(cold.prior, name), rel=1e-6)


def test_warm_start_from_point_mass_resets_pi0() -> None:
    x, s = simulate("point_normal")
    null = Prior("point_normal", pi0=1.0, scale=1.0)
    cold = ebnm(x, s, "point_normal")
    warm = ebnm(x, s, "point_normal", g_init=null)
    assert warm.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-10)


def test_scale_mixture_warm_start_keeps_grid() -> None:
    x, s = simulate("point_laplace")
    cold = ebnm(x, s, "normal_scale_mixture")
    warm = ebnm(x[::2], s[::2], "normal_scale_mixture", g_init=cold.prior)
    assert warm.prior.sds == cold.prior.sds
    refit = ebnm(x, s, "normal_scale_mixture", g_init=warm.prior)
    assert refit.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-8)


def test_scale_mixture_shared_matrix_matches_separate_evaluations() -> None:
    # ebnm builds the n x K component matrix once for the fit, the log-likelihood and the
    # posterior; evaluating g afresh on each kind of observation must give the same.
    x, s = simulate("point_laplace", seed=6)
    s = s.copy()
    s[:4], s[4:8], x[:2] = 0.0, np.inf, 0.0
    res = ebnm(x, s, "normal_scale_mixture", output=("mean", "second_moment", "lfsr"))
    family = get_family("normal_scale_mixture")
    data = NormalMeans.from_arrays(x, s)
    post = family.posterior(res.prior, data, lfsr=True)
    assert res.prior == family.fit(data, 0.0, None)
    assert res.log_likelihood == pytest.approx(res.prior.log_likelihood(x, s), rel=1e-13)
    np.testing.assert_allclose(res.posterior_mean, post.mean, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(res.posterior_second_moment, post.second_moment, rtol=1e-13)
    np.testing.assert_allclose(res.lfsr, post.lfsr, rtol=1e-13)


def test_scale_mixture_far_from_every_weighted_component() -> None:
    # All weight on the point mass, none on the wide component that is the most likely
    # one for x = 40: after scaling by that component, sum_k pi_k L_k underflows, and the
    # row must be rescaled by its weighted maximum as a log-sum-exp would.
    g = Prior("normal_scale_mixture", pi0=1.0, weights=(1.0, 0.0), sds=(0.0, 1000.0))
    x = np.array([40.0, 0.5])
    res = ebnm(x, 1.0, "normal_scale_mixture", g_init=g, fix_g=True)
    assert res.log_likelihood == pytest.approx(stats.norm.logpdf(x).sum(), rel=1e-14)
    assert np.all(res.posterior_mean == 0.0) and np.all(res.posterior_second_moment == 0.0)


def test_scale_mixture_beats_its_parametric_special_case() -> None:
    x, s = simulate("point_normal", seed=5)
    ash = ebnm(x, s, "normal_scale_mixture")
    pn = ebnm(x, s, "point_normal")
    # The grid approximates N(0, 3^2) with KL <= 1/n per point, so at most ~1 nat is lost.
    assert ash.log_likelihood > pn.log_likelihood - 1.0
    assert ash.prior.sds[0] == 0.0
    assert sum(ash.prior.weights) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------
# Infinite and zero standard errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
def test_infinite_s_does_not_inform_g_and_gets_the_prior(family: str) -> None:
    x, s = simulate("point_normal", seed=6)
    base = ebnm(x, s, family, output=("mean", "second_moment", "lfsr"))
    x_ext = np.concatenate([x, [100.0, -3.0]])
    s_ext = np.concatenate([s, [np.inf, np.inf]])
    ext = ebnm(x_ext, s_ext, family, output=("mean", "second_moment", "lfsr"))
    assert ext.prior == base.prior
    assert ext.log_likelihood == pytest.approx(base.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(ext.posterior_mean[:-2], base.posterior_mean, rtol=1e-12)
    g = ext.prior
    # Far away from all data with a wide s, the posterior tends to the prior.
    wide = ebnm(np.array([0.0]), 1e6, family, g_init=g, fix_g=True, output=("mean", "lfsr"))
    np.testing.assert_allclose(ext.posterior_mean[-2:], wide.posterior_mean[0], atol=1e-6)
    np.testing.assert_allclose(ext.lfsr[-2:], wide.lfsr[0], atol=1e-6)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_zero_s_returns_x_and_informs_g(family: str) -> None:
    x, s = simulate("point_exponential", seed=8)
    s[:50] = 0.0
    x[:50] = np.abs(x[:50])  # exact values must lie in the support of every family
    x[:5] = 0.0
    res = ebnm(x, s, family, output=("mean", "second_moment", "lfsr"))
    np.testing.assert_array_equal(res.posterior_mean[:50], x[:50])
    np.testing.assert_array_equal(res.posterior_second_moment[:50], x[:50] ** 2)
    np.testing.assert_array_equal(res.lfsr[:50], np.where(x[:50] == 0.0, 1.0, 0.0))
    assert np.isfinite(res.log_likelihood)
    assert res.log_likelihood == pytest.approx(res.prior.log_likelihood(x, s), rel=1e-14)
    without = ebnm(x[50:], s[50:], family)
    assert res.prior != without.prior


def test_all_infinite_s_gives_the_null_prior() -> None:
    res = ebnm(np.zeros(4), np.inf, "point_normal")
    assert res.prior.pi0 == 1.0
    assert res.log_likelihood == 0.0
    np.testing.assert_array_equal(res.posterior_mean, 0.0)


# --------------------------------------------------------------------------------------
# Interface
# --------------------------------------------------------------------------------------


def test_nonnegative_flag_and_flashier_sign_probe() -> None:
    assert [name for name, fam in FAMILIES.items() if fam.nonnegative] == ["point_exponential"]
    assert get_family("point_exponential").nonnegative
    probe = ebnm(np.array([-10.0, 0.0, 10.0]), 1.0, "point_exponential")
    assert np.all(probe.posterior_mean >= 0.0)
    probe = ebnm(np.array([-10.0, 0.0, 10.0]), 1.0, "point_normal")
    assert probe.posterior_mean[0] < 0.0


def test_output_selection() -> None:
    x, s = simulate("point_normal")
    res = ebnm(x, s, output=("log_likelihood",))
    assert isinstance(res, EbnmResult)
    assert res.posterior_mean is None and res.lfsr is None
    assert np.isfinite(res.log_likelihood)


def test_warm_start_check() -> None:
    g = Prior("point_normal", pi0=0.5, scale=1.0)
    assert warm_start_ok(g, np.array([0.5, -1.5, 2.0]), 1.0)
    assert not warm_start_ok(g, np.array([0.5, 40.0]), 1.0)
    assert warm_start_ok(Prior("point_laplace", pi0=0.5, scale=1.0), np.array([40.0]), 1.0)
    mix = Prior("normal_scale_mixture", pi0=0.5, weights=(0.5, 0.5), sds=(0.0, 1.0))
    assert not warm_start_ok(mix, np.array([0.0, -40.0]), 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"family": "cauchy"}, "point_normal, point_laplace, point_exponential"),
        ({"s": np.ones(3)}, "same length"),
        ({"s": -1.0}, "nonnegative"),
        ({"x": np.array([0.0, np.nan, 1.0, 2.0])}, "NaN"),
        ({"mode": "middle"}, "estimate"),
        ({"fix_g": True}, "g_init"),
        ({"g_init": Prior("point_laplace", pi0=0.5, scale=1.0)}, "point_laplace"),
        ({"g_init": Prior("point_normal", pi0=0.5, scale=1.0, mode=2.0)}, "mode"),
        ({"output": ("mean", "median")}, "median"),
        ({"s": np.array([1.0, 0.0, 1.0, 1.0]), "mode": "estimate"}, "s > 0"),
        ({"family": "normal_scale_mixture", "mode": "estimate"}, "fixed mode"),
    ],
)
def test_bad_input_raises(kwargs: dict, message: str) -> None:
    args = {"x": np.array([0.0, 1.0, -2.0, 3.0]), "s": 1.0, **kwargs}
    with pytest.raises(FlashError, match=message) as info:
        ebnm(args.pop("x"), args.pop("s"), **args)
    assert isinstance(info.value, PybrmsError)


@pytest.mark.parametrize("family", ["point_normal", "point_laplace", "point_exponential"])
@pytest.mark.parametrize("tail_pi0", [1e-12, 1.0 - 1e-12])
def test_cold_start_hint_from_a_tail_reaches_the_cold_optimum(family: str, tail_pi0: float) -> None:
    # A previous prior far in a tail of pi0 would leave Newton's method where the
    # likelihood is flat; the hint pulls pi0 back, so the fit is the cold start's.
    x, s = simulate(family)
    cold = ebnm(x, s, family)
    assert 0.05 < cold.prior.pi0 < 0.95  # an interior optimum
    hint = get_family(family).cold_start_hint(replace(cold.prior, pi0=tail_pi0, scale=1.0))
    assert hint is not None and 0.006 < hint.pi0 < 0.994
    hinted = ebnm(x, s, family, g_init=hint)
    assert hinted.log_likelihood == pytest.approx(cold.log_likelihood, rel=1e-10)


def test_cold_start_hints_by_family() -> None:
    # Inside the range (and for a slab without point mass) the hint is the prior itself;
    # the scale mixture has none (its warm start would keep the old grid).
    g = Prior("point_normal", pi0=0.3, scale=2.0)
    assert get_family("point_normal").cold_start_hint(g) is g
    normal = Prior("normal", scale=2.0)
    assert get_family("normal").cold_start_hint(normal) is normal
    x, s = simulate("point_normal")
    mixture = ebnm(x, s, "normal_scale_mixture").prior
    assert get_family("normal_scale_mixture").cold_start_hint(mixture) is None
