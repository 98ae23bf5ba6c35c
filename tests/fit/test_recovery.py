"""Parameter recovery: simulate from known parameters, fit with brm(), find the truth.

Every family and every kind of group-level term appears in at least one case.
A parameter is recovered when its posterior mean lies within ``Z`` standard errors
of the truth, where the error combines the posterior sd (how far the truth may lie
from the mean given the data) and the Monte Carlo standard error of the mean (how
far the estimate may lie from the exact posterior mean given the draws). Positive
parameters are compared on the log scale, probabilities on the logit scale and
correlations on the Fisher z scale, where posteriors are close to normal. With a
calibrated posterior, ``|z| > 5`` has probability below 1e-6 per parameter (under
1e-4 for all of them together), whatever the machine's floating point or the seed,
while a wrong likelihood, link or parameterization moves estimates by many posterior
sds at these sample sizes (when this was written, the largest |z| of the 47
parameters was 1.9, and no MCSE exceeded a tenth of its posterior sd). R-hat is not
gated on: poor mixing shows up in the MCSE, which widens the tolerance instead of
failing on a threshold.

A compiled program depends only on the model's structure (terms, family, additions,
the families of the priors), not on the data or the prior's values. So a case takes
the structure of a compiled model case of tests/codegen/model_cases.py where one
exists for its family: its column names may differ, a group effect or a predicted
dpar is simulated and recovered too, weights are all 1 (the posterior of the
unweighted model) and an offset is known. Only structures no model case has (an
inverse link, crossed grouping, smooths, ...) compile a program of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import interpolate, special, stats
from scipy.special import expit, logit

import pybrms as bm
from pybrms.spec import build_spec
from pybrms.standata import make_standata

pytestmark = pytest.mark.stan

N = 400
G = 20


def base(seed: int, n: int = N, groups: int = G) -> tuple[np.random.Generator, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "c": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
            "g": pd.Categorical(rng.integers(1, groups + 1, size=n)),
            "h": pd.Categorical(rng.integers(1, 5, size=n)),
        }
    )
    return rng, frame


def codes(column: pd.Series) -> np.ndarray:
    return column.cat.codes.to_numpy()


def effects(rng: np.random.Generator, shape: int | tuple[int, ...], sd: float) -> np.ndarray:
    """Group effects whose sample sd is exactly ``sd``: the data then carry the truth
    of the sd itself, not of one draw from it."""
    r = rng.normal(size=shape)
    return (r - r.mean()) / r.std(ddof=1) * sd


@dataclass
class Case:
    formula: Any
    family: Any
    data: pd.DataFrame
    truth: dict[str, float]
    prior: Any = None
    data2: dict[str, Any] | None = None
    knots: dict[str, Any] | None = None


def gaussian_correlated() -> Case:
    rng, df = base(1)
    sd, cor = np.array([0.7, 0.4]), 0.5
    cov = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    r = rng.multivariate_normal(np.zeros(2), cov, size=G)
    g = codes(df["g"])
    c_effect = np.select([df["c"] == "b", df["c"] == "c"], [0.5, -0.5], 0.0)
    df["o"] = rng.uniform(0.0, 0.5, size=N)
    mu = 1.0 + 0.8 * df["x"] + c_effect + r[g, 0] + r[g, 1] * df["x"] + df["o"]
    rh = effects(rng, 4, 0.3)
    sigma = np.exp(np.log(0.6) + 0.2 * df["z"] + rh[codes(df["h"])])
    df["y"] = mu + sigma * rng.normal(size=N)
    return Case(
        bm.bf("y ~ x + c + offset(o) + (1 + x | g)", sigma="~ z + (1 | h)"),
        "gaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.8,
            "b_cb": 0.5,
            "b_cc": -0.5,
            "b_sigma_Intercept": np.log(0.6),
            "b_sigma_z": 0.2,
            "sd_h__sigma_Intercept": 0.3,
            "sd_g__Intercept": 0.7,
            "sd_g__x": 0.4,
            "cor_g__Intercept__x": 0.5,
        },
    )


def student_fixed() -> Case:
    rng, df = base(2)
    g, h = codes(df["g"]), codes(df["h"])
    r0, r1, rgh = effects(rng, G, 0.5), effects(rng, G, 0.3), effects(rng, (G, 4), 0.4)
    mu = 0.5 - 1.2 * df["x"] + r0[g] + r1[g] * df["x"] + rgh[g, h]
    df["y"] = mu + 0.8 * rng.standard_t(5, size=N)
    return Case(
        "y ~ x + (1 + x || g) + (1 | g:h)",
        "student",
        df,
        {
            "b_Intercept": 0.5,
            "b_x": -1.2,
            "sigma": 0.8,
            "sd_g__Intercept": 0.5,
            "sd_g__x": 0.3,
            "sd_g:h__Intercept": 0.4,
        },
    )


def poisson_nested_offset() -> Case:
    rng, df = base(3)
    df["t"] = rng.uniform(1, 3, size=N)
    r1 = effects(rng, G, 0.5)
    g, h = codes(df["g"]), codes(df["h"])
    r2 = effects(rng, (G, 4), 0.3)
    eta = 0.3 + 0.4 * df["x"] + np.log(df["t"]) + r1[g] + r2[g, h]
    df["y"] = rng.poisson(np.exp(eta))
    return Case(
        "y ~ x + offset(log(t)) + (1 | g/h)",
        "poisson",
        df,
        {
            "b_Intercept": 0.3,
            "b_x": 0.4,
            "sd_g__Intercept": 0.5,
            "sd_g:h__Intercept": 0.3,
        },
    )


def negbinomial_crossed() -> Case:
    rng, df = base(4)
    g, h = codes(df["g"]), codes(df["h"])
    rg, rh = effects(rng, G, 0.4), effects(rng, 4, 0.6)
    mu = np.exp(1.0 + 0.5 * df["x"] + rg[g] + rh[h])
    shape = 3.0
    df["y"] = rng.negative_binomial(shape, shape / (shape + mu))
    return Case(
        "y ~ x + (1 | g) + (1 | h)",
        "negbinomial",
        df,
        {
            "b_x": 0.5,
            "shape": 3.0,
            "sd_g__Intercept": 0.4,
        },
    )


def bernoulli_uncorrelated() -> Case:
    rng, df = base(5, n=800)
    g = codes(df["g"])
    r0, r1 = effects(rng, G, 0.8), effects(rng, G, 0.5)
    p = expit(-0.3 + 1.0 * df["x"] + r0[g] + r1[g] * df["x"])
    df["y"] = rng.binomial(1, p)
    return Case(
        "y ~ x + (1 + x || g)",
        "bernoulli",
        df,
        {
            "b_Intercept": -0.3,
            "b_x": 1.0,
            "sd_g__Intercept": 0.8,
            "sd_g__x": 0.5,
        },
    )


def binomial_no_intercept_group() -> Case:
    rng, df = base(6)
    g = codes(df["g"])
    r = effects(rng, G, 0.6)
    df["n"] = rng.integers(5, 15, size=N)
    df["y"] = rng.binomial(df["n"], expit(0.2 + 0.7 * df["x"] + r[g] * df["z"]))
    return Case(
        "y | trials(n) ~ x + (0 + z | g)",
        "binomial",
        df,
        {
            "b_Intercept": 0.2,
            "b_x": 0.7,
            "sd_g__z": 0.6,
        },
    )


def lognormal_interaction_group() -> Case:
    rng, df = base(7)
    h, g = codes(df["h"]), codes(df["g"])
    r = effects(rng, (G, 4), 0.5)
    df["y"] = np.exp(
        0.5 + 0.3 * df["x"] - 0.2 * df["x"] * df["z"] + r[g, h] + rng.normal(0, 0.4, size=N)
    )
    return Case(
        "y ~ x * z + (1 | g:h)",
        "lognormal",
        df,
        {
            "b_Intercept": 0.5,
            "b_x": 0.3,
            "b_x:z": -0.2,
            "sigma": 0.4,
            "sd_g:h__Intercept": 0.5,
        },
    )


def gamma_log() -> Case:
    rng, df = base(8)
    r = effects(rng, G, 0.4)
    mu, shape = np.exp(1.0 + 0.5 * df["x"] + r[codes(df["g"])]), 4.0
    df["y"] = rng.gamma(shape, mu / shape)
    df["w"] = 1.0
    return Case(
        "y | weights(w) ~ x + (1 | g)",
        bm.family("Gamma", link="log"),
        df,
        {"b_Intercept": 1.0, "b_x": 0.5, "shape": 4.0, "sd_g__Intercept": 0.4},
    )


def gamma_inverse() -> Case:
    rng, df = base(9)
    mu, shape = 1 / (1.0 + 0.3 * df["x"].abs()), 5.0
    df["ax"] = df["x"].abs()
    df["y"] = rng.gamma(shape, mu / shape)
    return Case("y ~ ax", "Gamma", df, {"b_Intercept": 1.0, "b_ax": 0.3, "shape": 5.0})


def beta_weights() -> Case:
    rng, df = base(10)
    r = effects(rng, G, 0.4)
    mu = expit(-0.5 + 0.8 * df["x"] + r[codes(df["g"])])
    phi = np.exp(2.3 + 0.3 * df["z"])
    df["y"] = rng.beta(mu * phi, (1 - mu) * phi)
    return Case(
        bm.bf("y ~ x + (1 | g)", phi="~ z"),
        "beta",
        df,
        {
            "b_Intercept": -0.5,
            "b_x": 0.8,
            "b_phi_Intercept": 2.3,
            "b_phi_z": 0.3,
            "sd_g__Intercept": 0.4,
        },
    )


def cumulative_thresholds() -> Case:
    rng, df = base(11, n=600)
    thresholds = np.array([-1.0, 0.2, 1.5])
    latent = 0.9 * df["x"] + rng.logistic(size=len(df))
    df["y"] = 1 + (latent.to_numpy()[:, None] > thresholds).sum(axis=1)
    return Case(
        "y ~ x",
        "cumulative",
        df,
        {
            "b_x": 0.9,
            "b_Intercept[1]": -1.0,
            "b_Intercept[2]": 0.2,
            "b_Intercept[3]": 1.5,
        },
    )


def distributional_sigma() -> Case:
    rng, df = base(12)
    df["y"] = 1.0 + np.exp(-0.5 + 0.4 * df["x"]) * rng.normal(size=N)
    return Case(
        bm.bf("y ~ 1", sigma="~ x"),
        "gaussian",
        df,
        {"b_Intercept": 1.0, "b_sigma_Intercept": -0.5, "b_sigma_x": 0.4},
    )


def zero_truncated(rng: np.random.Generator, dist: Any) -> np.ndarray:
    """Draws of a frozen scipy count distribution conditioned on being positive."""
    p0 = dist.cdf(0)
    return np.maximum(dist.ppf(p0 + (1 - p0) * rng.random(N)), 1)


def zero_inflated_poisson_zi() -> Case:
    rng, df = base(13)
    r = effects(rng, G, 0.4)
    df["o"] = rng.uniform(0.0, 0.5, size=N)
    mu = np.exp(0.8 + 0.5 * df["x"] + r[codes(df["g"])] + df["o"])
    zi = expit(-0.5 + 0.8 * df["z"])
    df["y"] = np.where(rng.random(N) < zi, 0, rng.poisson(mu))
    return Case(
        bm.bf("y ~ x + (1 | g) + offset(o)", zi="~ z"),
        "zero_inflated_poisson",
        df,
        {
            "b_Intercept": 0.8,
            "b_x": 0.5,
            "b_zi_Intercept": -0.5,
            "b_zi_z": 0.8,
            "sd_g__Intercept": 0.4,
        },
    )


def hurdle_poisson_scalar() -> Case:
    rng, df = base(14)
    r = effects(rng, G, 0.4)
    mu = np.exp(1.0 - 0.4 * df["x"] + r[codes(df["g"])])
    df["y"] = np.where(rng.random(N) < 0.3, 0, zero_truncated(rng, stats.poisson(mu)))
    df["w"] = 1.0
    return Case(
        "y | weights(w) ~ x + (1 | g)",
        "hurdle_poisson",
        df,
        {"b_Intercept": 1.0, "b_x": -0.4, "hu": 0.3, "sd_g__Intercept": 0.4},
    )


def zero_inflated_negbinomial_scalar() -> Case:
    rng, df = base(15)
    mu, shape = np.exp(1.2 + 0.5 * df["x"]), np.exp(1.1 - 0.4 * df["z"])
    counts = rng.negative_binomial(shape, shape / (shape + mu))
    df["y"] = np.where(rng.random(N) < 0.25, 0, counts)
    return Case(
        bm.bf("y ~ x", shape="~ z"),
        "zero_inflated_negbinomial",
        df,
        {
            "b_Intercept": 1.2,
            "b_x": 0.5,
            "b_shape_Intercept": 1.1,
            "b_shape_z": -0.4,
            "zi": 0.25,
        },
    )


def hurdle_negbinomial_hu() -> Case:
    rng, df = base(16)
    r = effects(rng, G, 0.4)
    mu, shape = np.exp(1.0 + 0.3 * df["x"] + r[codes(df["g"])]), 2.0
    hu = expit(-0.3 + 0.7 * df["z"])
    counts = zero_truncated(rng, stats.nbinom(shape, shape / (shape + mu)))
    df["y"] = np.where(rng.random(N) < hu, 0, counts)
    return Case(
        bm.bf("y ~ x + (1 | g)", hu="~ z"),
        "hurdle_negbinomial",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.3,
            "shape": 2.0,
            "b_hu_Intercept": -0.3,
            "b_hu_z": 0.7,
            "sd_g__Intercept": 0.4,
        },
    )


def exponential_log() -> Case:
    rng, df = base(17)
    r = effects(rng, G, 0.4)
    df["o"] = rng.uniform(0.0, 0.5, size=N)
    df["y"] = rng.exponential(np.exp(0.5 + 0.6 * df["x"] + r[codes(df["g"])] + df["o"]))
    return Case(
        "y ~ x + (1 | g) + offset(o)",
        "exponential",
        df,
        {"b_Intercept": 0.5, "b_x": 0.6, "sd_g__Intercept": 0.4},
    )


def weibull_shape() -> Case:
    rng, df = base(18)
    r = effects(rng, G, 0.4)
    mu, shape = np.exp(1.0 - 0.5 * df["x"] + r[codes(df["g"])]), 1.8
    df["y"] = mu / special.gamma(1 + 1 / shape) * rng.weibull(shape, size=N)
    df["w"] = 1.0
    return Case(
        "y | weights(w) ~ x + (1 | g)",
        "weibull",
        df,
        {"b_Intercept": 1.0, "b_x": -0.5, "shape": 1.8, "sd_g__Intercept": 0.4},
    )


def skew_normal_alpha() -> Case:
    """Mean ``mu`` and sd ``sigma`` as brms parametrizes the skew normal."""
    rng, df = base(19)
    mu, sigma, alpha = 2.0 + 0.7 * df["x"], 1.5, 4.0
    delta = alpha / np.sqrt(1 + alpha**2)
    omega = sigma / np.sqrt(1 - 2 / np.pi * delta**2)
    xi = mu - omega * delta * np.sqrt(2 / np.pi)
    df["y"] = stats.skewnorm.rvs(alpha, loc=xi, scale=omega, random_state=rng)
    return Case(
        "y ~ x",
        "skew_normal",
        df,
        {"b_Intercept": 2.0, "b_x": 0.7, "sigma": 1.5, "alpha": 4.0},
    )


def shifted_lognormal_ndt() -> Case:
    rng, df = base(20)
    df["y"] = 0.3 + rng.lognormal(-0.5 + 0.4 * df["x"], 0.6)
    return Case(
        "y ~ x",
        "shifted_lognormal",
        df,
        {"b_Intercept": -0.5, "b_x": 0.4, "sigma": 0.6, "ndt": 0.3},
    )


def gaussian_monotonic() -> Case:
    """``mo()`` of an ordered categorical with 4 categories: the effect of category
    ``i`` is ``bsp * 3 * sum(simo[:i])``."""
    rng, df = base(21)
    levels = ["low", "mid", "high", "top"]
    df["inc"] = pd.Categorical(rng.choice(levels, size=N), categories=levels, ordered=True)
    bsp, simo = 0.8, np.array([0.6, 0.3, 0.1])
    steps = np.concatenate([[0.0], np.cumsum(simo)]) * len(simo) * bsp
    df["y"] = 1.0 + 0.5 * df["x"] + steps[codes(df["inc"])] + rng.normal(0, 0.5, size=N)
    truth = {"b_Intercept": 1.0, "b_x": 0.5, "bsp_moinc": bsp, "sigma": 0.5}
    truth |= {f"simo_moinc1[{k}]": float(v) for k, v in enumerate(simo, start=1)}
    return Case("y ~ x + mo(inc)", "gaussian", df, truth)


def meta_analysis_se() -> Case:
    """Random-effects meta-analysis: one estimate per study with known standard errors."""
    rng = np.random.default_rng(21)
    studies = 80
    sei = rng.uniform(0.1, 0.4, size=studies)
    year = rng.normal(size=studies)  # a study-level moderator (meta-regression)
    theta = 0.5 + 0.4 * year + effects(rng, studies, 0.3)
    df = pd.DataFrame(
        {
            "y": rng.normal(theta, sei),
            "sei": sei,
            "year": year,
            "study": pd.Categorical(range(studies)),
        }
    )
    return Case(
        "y | se(sei) ~ year + (1 | study)",
        "gaussian",
        df,
        {"b_Intercept": 0.5, "b_year": 0.4, "sd_study__Intercept": 0.3},
    )


def student_se_sigma() -> Case:
    rng, df = base(22)
    df["s"] = rng.uniform(0.2, 0.8, size=N)
    sd = np.sqrt(np.exp(2 * (np.log(0.5) + 0.3 * df["z"])) + df["s"] ** 2)
    df["y"] = 1.0 + 0.6 * df["x"] + sd * rng.standard_t(6, size=N)
    df["w"] = 1.0
    return Case(
        bm.bf("y | se(s, sigma = TRUE) + weights(w) ~ x", sigma="~ z"),
        "student",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.6,
            "b_sigma_Intercept": np.log(0.5),
            "b_sigma_z": 0.3,
            "nu": 6.0,
        },
    )


def poisson_rate() -> Case:
    rng, df = base(23)
    r = effects(rng, G, 0.4)
    df["expo"] = rng.uniform(0.5, 5.0, size=N)
    df["y"] = rng.poisson(np.exp(0.2 + 0.5 * df["x"] + r[codes(df["g"])]) * df["expo"])
    return Case(
        "y | rate(expo) ~ x + (1 | g)",
        "poisson",
        df,
        {"b_Intercept": 0.2, "b_x": 0.5, "sd_g__Intercept": 0.4},
    )


def negbinomial_rate() -> Case:
    """brms scales both the mean and the shape by the rate denominator."""
    rng, df = base(24)
    df["expo"] = rng.uniform(0.5, 5.0, size=N)
    mu, shape = np.exp(0.4 - 0.3 * df["x"]) * df["expo"], 4.0 * df["expo"]
    y = rng.negative_binomial(shape, shape / (shape + mu))
    # a random fifth of the counts of 0 or 1 recorded as "at most 1" (left censored:
    # P(Y <= 1)); the choice does not depend on the parameters, so the censored
    # likelihood is the right one. Few rows: Stan's lcdf differentiates the regularized
    # incomplete beta function by a slow series, and 20 rows test it as well as 100.
    low = (y <= 1) & (rng.uniform(size=N) < 0.2)
    df["y"], df["cens"] = np.where(low, np.maximum(y, 1), y), np.where(low, -1, 0)
    return Case(
        "y | rate(expo) + cens(cens) ~ x",
        "negbinomial",
        df,
        {"b_Intercept": 0.4, "b_x": -0.3, "shape": 4.0},
    )


def weibull_right_censored() -> Case:
    """Survival times censored at random follow-up times (True: right censored)."""
    rng, df = base(25)
    shape, r = 1.5, effects(rng, G, 0.4)
    scale = np.exp(1.0 + 0.5 * df["x"] + r[codes(df["g"])]) / special.gamma(1 + 1 / shape)
    time = scale * rng.weibull(shape, size=N)
    follow_up = rng.uniform(1.0, 6.0, size=N)
    df["time"], df["censored"] = np.minimum(time, follow_up), time > follow_up
    return Case(
        "time | cens(censored) ~ x + (1 | g)",
        "weibull",
        df,
        {"b_Intercept": 1.0, "b_x": 0.5, "shape": shape, "sd_g__Intercept": 0.4},
    )


def gaussian_interval_censored() -> Case:
    """Most responses known only to lie between two integers, some exactly."""
    rng, df = base(26)
    y = 1.0 + 0.8 * df["x"] + rng.normal(0, 1.2, size=N)
    interval = rng.uniform(size=N) < 0.7
    df["lower"] = np.where(interval, np.floor(y), y)
    df["upper"] = np.floor(y) + 1
    df["cens"] = np.where(interval, "interval", "none")
    return Case(
        "lower | cens(cens, upper) ~ x",
        "gaussian",
        df,
        {"b_Intercept": 1.0, "b_x": 0.8, "sigma": 1.2},
    )


def gaussian_truncated() -> Case:
    rng, df = base(27)
    r = effects(rng, G, 0.4)
    mu = 0.5 + 0.7 * df["x"] + r[codes(df["g"])]
    df["y"] = stats.truncnorm.rvs(-mu / 1.1, (4 - mu) / 1.1, loc=mu, scale=1.1, random_state=rng)
    df["lb"] = 0.0  # a bound per row
    return Case(
        "y | trunc(lb = lb, ub = 4) ~ x + (1 | g)",
        "gaussian",
        df,
        {"b_Intercept": 0.5, "b_x": 0.7, "sigma": 1.1, "sd_g__Intercept": 0.4},
    )


def poisson_truncated() -> Case:
    """Counts observed only between 1 and 8 (zero-truncated, capped)."""
    rng, df = base(28)
    lam = np.exp(0.8 + 0.4 * df["x"])
    y = rng.poisson(lam, size=(200, N))
    first = np.argmax((y >= 1) & (y <= 8), axis=0)  # rejection: first draw within bounds
    df["y"] = y[first, np.arange(N)]
    df["w"] = 1.0
    return Case("y | trunc(1, 8) + weights(w) ~ x", "poisson", df, {"b_Intercept": 0.8, "b_x": 0.4})


def ordinal_response(rng: np.random.Generator, stop: np.ndarray) -> np.ndarray:
    """Categories 1..K of a sequential model: ``stop[n, k]`` is the probability of
    stopping at category k + 1 once there."""
    u = rng.random(stop.shape)
    stopped = np.concatenate([u < stop, np.ones((len(stop), 1), bool)], axis=1)
    return 1 + stopped.argmax(axis=1)


def sratio_disc() -> Case:
    rng, df = base(21, n=800)
    thresholds = np.array([-0.8, 0.0, 0.8])
    r = effects(rng, G, 0.5)
    eta = (0.7 * df["x"] + r[codes(df["g"])]).to_numpy()
    disc = np.exp(0.4 * df["z"].to_numpy())
    stop = expit(disc[:, None] * (thresholds - eta[:, None]))
    df["y"] = ordinal_response(rng, stop)
    return Case(
        bm.bf("y ~ x + (1 | g)", disc="~ 0 + z"),
        "sratio",
        df,
        {
            "b_x": 0.7,
            "b_Intercept[1]": -0.8,
            "b_Intercept[2]": 0.0,
            "b_Intercept[3]": 0.8,
            "b_disc_z": 0.4,
            "sd_g__Intercept": 0.5,
        },
    )


def cratio_probit() -> Case:
    rng, df = base(22, n=600)
    thresholds = np.array([-0.5, 0.2, 0.9])
    r = effects(rng, G, 0.4)
    c_effect = np.select([df["c"] == "b", df["c"] == "c"], [0.5, -0.4], 0.0)
    eta = (-0.6 * df["x"] + c_effect + r[codes(df["g"])]).to_numpy()
    stop = 1 - special.ndtr(eta[:, None] - thresholds)
    df["y"] = ordinal_response(rng, stop)
    return Case(
        "y ~ x + c + (1 | g)",
        bm.family("cratio", link="probit"),
        df,
        {
            "b_x": -0.6,
            "b_cb": 0.5,
            "b_cc": -0.4,
            "b_Intercept[1]": -0.5,
            "b_Intercept[2]": 0.2,
            "b_Intercept[3]": 0.9,
            "sd_g__Intercept": 0.4,
        },
    )


def acat_group() -> Case:
    rng, df = base(23, n=800)
    thresholds = np.array([-1.0, 0.0, 1.2])
    r = effects(rng, G, 0.6)
    eta = (0.8 * df["x"] + r[codes(df["g"])]).to_numpy()
    disc = np.exp(-0.3 * df["z"].to_numpy())
    # adjacent-category logits: log P(k + 1) / P(k) = disc * (eta - thres_k)
    steps = disc[:, None] * (eta[:, None] - thresholds)
    logits = np.concatenate([np.zeros((len(df), 1)), np.cumsum(steps, 1)], 1)
    probs = special.softmax(logits, axis=1)
    u = rng.random(len(df))
    df["y"] = 1 + (probs.cumsum(axis=1)[:, :-1] < u[:, None]).sum(axis=1)
    return Case(
        bm.bf("y ~ x + (1 | g)", disc="~ 0 + z"),
        "acat",
        df,
        {
            "b_x": 0.8,
            "b_Intercept[1]": -1.0,
            "b_Intercept[2]": 0.0,
            "b_Intercept[3]": 1.2,
            "b_disc_z": -0.3,
            "sd_g__Intercept": 0.6,
        },
    )


def cumulative_cloglog_disc() -> Case:
    rng, df = base(24, n=800)
    thresholds = np.array([-1.0, 0.0, 0.8])
    eta, disc = 0.6 * df["x"].to_numpy(), np.exp(-0.3 * df["z"].to_numpy())
    cdf = -np.expm1(-np.exp(disc[:, None] * (thresholds - eta[:, None])))
    df["y"] = 1 + (cdf < rng.random(len(df))[:, None]).sum(axis=1)
    return Case(
        bm.bf("y ~ x", disc="~ 0 + z"),
        bm.family("cumulative", link="cloglog"),
        df,
        {
            "b_x": 0.6,
            "b_Intercept[1]": -1.0,
            "b_Intercept[2]": 0.0,
            "b_Intercept[3]": 0.8,
            "b_disc_z": -0.3,
        },
    )


def exgaussian_scalar() -> Case:
    rng, df = base(25)
    r = effects(rng, G, 0.4)
    mu, sigma = 1.0 + 0.5 * df["x"] + r[codes(df["g"])], 0.5
    beta = np.exp(0.2 + 0.3 * df["z"])
    df["y"] = rng.normal(mu - beta, sigma) + rng.exponential(beta)
    df["w"] = 1.0
    return Case(
        bm.bf("y | weights(w) ~ x + (1 | g)", beta="~ z"),
        "exgaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.5,
            "sigma": 0.5,
            "b_beta_Intercept": 0.2,
            "b_beta_z": 0.3,
            "sd_g__Intercept": 0.4,
        },
    )


def frechet_nu() -> Case:
    rng, df = base(26)
    r = effects(rng, G, 0.4)
    mu = np.exp(1.0 + 0.3 * df["x"] + r[codes(df["g"])])
    nu = 1 + np.exp(1.0 + 0.3 * df["z"])
    scale = mu / special.gamma(1 - 1 / nu)
    df["y"] = scale * rng.exponential(size=N) ** (-1 / nu)
    return Case(
        bm.bf("y ~ x + (1 | g)", nu="~ z"),
        "frechet",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.3,
            "b_nu_Intercept": 1.0,
            "b_nu_z": 0.3,
            "sd_g__Intercept": 0.4,
        },
    )


def von_mises_tan_half() -> Case:
    rng, df = base(27)
    r = effects(rng, G, 0.3)
    mu = 2 * np.arctan(0.3 + 0.5 * df["x"] + r[codes(df["g"])])
    kappa = np.exp(1.1 + 0.3 * df["z"])
    df["y"] = rng.vonmises(mu, kappa)
    return Case(
        bm.bf("y ~ x + (1 | g)", kappa="~ z"),
        "von_mises",
        df,
        {
            "b_Intercept": 0.3,
            "b_x": 0.5,
            "b_kappa_Intercept": 1.1,
            "b_kappa_z": 0.3,
            "sd_g__Intercept": 0.3,
        },
    )


def zero_inflated_binomial_zi() -> Case:
    rng, df = base(21)
    r = effects(rng, G, 0.5)
    df["n"] = rng.integers(5, 15, size=N)
    zi = expit(-1.0 + 0.8 * df["z"])
    counts = rng.binomial(df["n"], expit(0.2 + 0.7 * df["x"] + r[codes(df["g"])]))
    df["y"] = np.where(rng.random(N) < zi, 0, counts)
    return Case(
        bm.bf("y | trials(n) ~ x + (1 | g)", zi="~ z"),
        "zero_inflated_binomial",
        df,
        {
            "b_Intercept": 0.2,
            "b_x": 0.7,
            "b_zi_Intercept": -1.0,
            "b_zi_z": 0.8,
            "sd_g__Intercept": 0.5,
        },
    )


def zero_inflated_beta_scalar() -> Case:
    rng, df = base(22)
    r = effects(rng, G, 0.4)
    mu = expit(-0.5 + 0.8 * df["x"] + r[codes(df["g"])])
    phi = np.exp(2.0 + 0.3 * df["z"])
    df["y"] = np.where(rng.random(N) < 0.2, 0.0, rng.beta(mu * phi, (1 - mu) * phi))
    df["w"] = 1.0
    return Case(
        bm.bf("y | weights(w) ~ x + (1 | g)", phi="~ z"),
        "zero_inflated_beta",
        df,
        {
            "b_Intercept": -0.5,
            "b_x": 0.8,
            "b_phi_Intercept": 2.0,
            "b_phi_z": 0.3,
            "zi": 0.2,
            "sd_g__Intercept": 0.4,
        },
    )


def zero_one_inflated_beta_zoi() -> Case:
    rng, df = base(23)
    r = effects(rng, G, 0.4)
    mu, phi = expit(0.3 - 0.6 * df["x"] + r[codes(df["g"])]), 6.0
    zoi, coi = expit(-1.2 + 0.5 * df["z"]), 0.4
    ends = (rng.random(N) < coi).astype(float)
    df["y"] = np.where(rng.random(N) < zoi, ends, rng.beta(mu * phi, (1 - mu) * phi))
    return Case(
        bm.bf("y ~ x + (1 | g)", zoi="~ z", coi="~ 1"),
        "zero_one_inflated_beta",
        df,
        {
            "b_Intercept": 0.3,
            "b_x": -0.6,
            "phi": 6.0,
            "b_zoi_Intercept": -1.2,
            "b_zoi_z": 0.5,
            "b_coi_Intercept": logit(0.4),
            "sd_g__Intercept": 0.4,
        },
    )


def hurdle_gamma_hu() -> Case:
    rng, df = base(24)
    r = effects(rng, G, 0.4)
    mu, shape = np.exp(1.0 + 0.5 * df["x"] + r[codes(df["g"])]), 3.0
    hu = expit(-0.5 + 0.7 * df["z"])
    df["y"] = np.where(rng.random(N) < hu, 0.0, rng.gamma(shape, mu / shape))
    return Case(
        bm.bf("y ~ x + (1 | g)", hu="~ z"),
        "hurdle_gamma",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.5,
            "shape": 3.0,
            "b_hu_Intercept": -0.5,
            "b_hu_z": 0.7,
            "sd_g__Intercept": 0.4,
        },
    )


def hurdle_lognormal_hu() -> Case:
    rng, df = base(25)
    mu, hu = 0.5 + 0.3 * df["x"], expit(-0.8 + 0.6 * df["z"])
    df["y"] = np.where(rng.random(N) < hu, 0.0, rng.lognormal(mu, 0.5))
    df["w"] = 1.0
    return Case(
        bm.bf("y | weights(w) ~ x", hu="~ z"),
        "hurdle_lognormal",
        df,
        {"b_Intercept": 0.5, "b_x": 0.3, "sigma": 0.5, "b_hu_Intercept": -0.8, "b_hu_z": 0.6},
    )


def beta_binomial_phi() -> Case:
    rng, df = base(26)
    r = effects(rng, G, 0.4)
    df["n"] = rng.integers(5, 15, size=N)
    mu = expit(-0.3 + 0.6 * df["x"] + r[codes(df["g"])])
    phi = np.exp(1.6 + 0.3 * df["z"])
    df["y"] = rng.binomial(df["n"], rng.beta(mu * phi, (1 - mu) * phi))
    return Case(
        bm.bf("y | trials(n) ~ x + (1 | g)", phi="~ z"),
        "beta_binomial",
        df,
        {
            "b_Intercept": -0.3,
            "b_x": 0.6,
            "b_phi_Intercept": 1.6,
            "b_phi_z": 0.3,
            "sd_g__Intercept": 0.4,
        },
    )


def geometric_log() -> Case:
    rng, df = base(27)
    r = effects(rng, G, 0.4)
    df["o"] = rng.uniform(0.0, 0.5, size=N)
    mu = np.exp(0.5 + 0.4 * df["x"] + r[codes(df["g"])] + df["o"])
    df["y"] = rng.negative_binomial(1, 1 / (1 + mu))
    return Case(
        "y ~ x + (1 | g) + offset(o)",
        "geometric",
        df,
        {"b_Intercept": 0.5, "b_x": 0.4, "sd_g__Intercept": 0.4},
    )


def natural_spline_knots(x: np.ndarray, k: int) -> np.ndarray:
    """The knots of mgcv's ``cr`` basis of dimension ``k``: quantiles of the unique values."""
    return np.quantile(np.unique(x), np.linspace(0, 1, k))


def gaussian_smooth_cr() -> Case:
    """A curve inside the span of ``s(x, bs = "cr", k = 6)``: the natural cubic spline
    through its knots. mgcv's constraint makes the smooth sum to 0 over the rows, so
    the intercept is 1 plus the curve's mean over the rows."""
    rng, df = base(28, n=100)
    knots = natural_spline_knots(df["x"].to_numpy(), 6)
    curve = interpolate.CubicSpline(knots, np.sin(1.5 * knots), bc_type="natural")(df["x"])
    df["y"] = 1.0 + curve + 0.5 * df["z"] + rng.normal(0, 0.4, size=len(df))
    return Case(
        "y ~ z + s(x, bs = 'cr', k = 6)",
        "gaussian",
        df,
        {"b_Intercept": 1.0 + curve.mean(), "b_z": 0.5, "sigma": 0.4},
    )


def gaussian_smooth_by_factor() -> Case:
    """One thin plate smooth per level of c (a line, a bump, a wave), next to a slope."""
    rng, df = base(29, n=150)
    x, level = df["x"].to_numpy(), codes(df["c"])
    curves = np.stack([0.6 * x, np.exp(-(x**2)), np.sin(2 * x)])
    df["y"] = curves[level, np.arange(len(df))] + 0.5 * df["z"] + rng.normal(0, 0.4, len(df))
    return Case("y ~ c + z + s(x, by = c, k = 5)", "gaussian", df, {"b_z": 0.5, "sigma": 0.4})


def gaussian_nonlinear_growth() -> Case:
    """Exponential growth a * exp(b * t) with a varying by group and with x, and a
    non-linear sigma; the structure of the gaussian_nonlinear model case (one program)."""
    rng, df = base(31, n=200, groups=8)
    df["z"] = rng.uniform(0.0, 2.0, len(df))  # time
    df["w"] = rng.uniform(0.5, 1.5, len(df))
    r = effects(rng, 8, 0.4)
    a = 2.0 + 0.5 * df["x"] + r[codes(df["g"])]
    sigma = np.exp(-1.2 * df["w"])
    df["y"] = a * np.exp(0.6 * df["z"]) + rng.normal(0, 1, len(df)) * sigma
    formula = bm.bf(
        "y ~ a * exp(b * z)",
        "a ~ 1 + x + (1 | g)",
        "b ~ 1",
        bm.nlf("sigma ~ s * w"),
        "s ~ 1",
        nl=True,
    )
    truth = {
        "b_a_Intercept": 2.0,
        "b_a_x": 0.5,
        "b_b_Intercept": 0.6,
        "b_s_Intercept": -1.2,
        "sd_g__a_Intercept": 0.4,
    }
    prior = bm.prior("normal(1, 2)", nlpar="a") + bm.prior("normal(0, 1)", nlpar="b")
    return Case(formula, "gaussian", df, truth, prior)


def gaussian_ar1() -> Case:
    """Two AR(1) series of residuals (phi 0.6) in shuffled rows: ordered by series and
    time as brms does; the structure of the model case gaussian_ar2_time_gr (one compile)."""
    rng, df = base(30, n=150)
    n = len(df)
    df["s"] = np.repeat(["u", "v"], n // 2)
    df["t"] = np.tile(np.arange(n // 2), 2)
    eps = rng.normal(0, 0.5, size=n)
    err = np.zeros(n)
    for row in range(n):
        # brms's residual formulation: the first row of a series has no earlier residual
        err[row] = eps[row] + (0.6 * err[row - 1] if df["t"].iloc[row] > 0 else 0.0)
    df["y"] = 1.0 + 0.8 * df["x"] + err
    return Case(
        "y ~ x + ar(t, s, p = 1)",
        "gaussian",
        df.sample(frac=1.0, random_state=3),
        {"ar[1]": 0.6, "sigma": 0.5, "b_x": 0.8, "b_Intercept": 1.0},
    )


def gaussian_shared_id() -> Case:
    """One correlation matrix over the intercept and slope of mu and the intercept of
    log(sigma) per level of g: ``(1 + x | p | g)`` and ``sigma ~ (1 | p | g)``."""
    rng, df = base(30, groups=30)
    sd = np.array([0.6, 0.3, 0.3])
    cor = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, 0.0], [0.5, 0.0, 1.0]])
    r = rng.multivariate_normal(np.zeros(3), np.diag(sd) @ cor @ np.diag(sd), size=30)
    r = (r - r.mean(axis=0)) / r.std(axis=0, ddof=1) * sd  # sample sds exactly the truth
    g = codes(df["g"])
    mu = 1.0 + 0.8 * df["x"] + r[g, 0] + r[g, 1] * df["x"]
    sigma = np.exp(-0.5 + 0.3 * df["z"] + r[g, 2])
    df["y"] = mu + sigma * rng.normal(size=N)
    return Case(
        bm.bf("y ~ x + (1 + x | p | g)", sigma="~ z + (1 | p | g)"),
        "gaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.8,
            "b_sigma_Intercept": -0.5,
            "b_sigma_z": 0.3,
            "sd_g__Intercept": 0.6,
            "sd_g__x": 0.3,
            "sd_g__sigma_Intercept": 0.3,
            "cor_g__Intercept__sigma_Intercept": 0.5,
        },
    )


def categorical_glm() -> Case:
    """Three categories, the first the reference; the structure of the model case
    ``categorical_glm`` (Stan's categorical_logit_glm), so one compile serves both."""
    rng, df = base(30)
    c_b = np.select([df["c"] == "b", df["c"] == "c"], [0.5, -0.5], 0.0)
    eta = np.stack([np.zeros(N), 0.5 + 1.0 * df["x"] + c_b, -0.3 - 0.8 * df["x"]], axis=1)
    probs = special.softmax(eta, axis=1)
    df["y"] = np.array(["a", "b", "c"])[(probs.cumsum(axis=1) < rng.random((N, 1))).sum(axis=1)]
    return Case(
        "y ~ x + c",
        "categorical",
        df,
        {
            "b_mub_Intercept": 0.5,
            "b_mub_x": 1.0,
            "b_mub_cb": 0.5,
            "b_mub_cc": -0.5,
            "b_muc_Intercept": -0.3,
            "b_muc_x": -0.8,
            "b_muc_cb": 0.0,
            "b_muc_cc": 0.0,
        },
    )


def gaussian_by() -> Case:
    """Varying intercepts and slopes of g with sds per level of gb (constant within g):
    intercept sd 1.0 among the first ten levels of g, 0.3 among the others."""
    rng, df = base(31)
    g = codes(df["g"])
    df["gb"] = np.where(g < G // 2, "a", "b")
    first = np.arange(G) < G // 2
    sd = np.where(first[:, np.newaxis], [1.0, 0.4], [0.3, 0.4])
    r = rng.normal(size=(G, 2))
    for rows in (first, ~first):  # sample sds exactly the truth within each level of gb
        r[rows] = (r[rows] - r[rows].mean(axis=0)) / r[rows].std(axis=0, ddof=1)
    r *= sd
    sigma = np.exp(-0.7 + 0.2 * df["z"])
    df["y"] = 0.5 + 0.8 * df["x"] + r[g, 0] + r[g, 1] * df["x"] + sigma * rng.normal(size=N)
    return Case(
        bm.bf("y ~ x + (1 + x | gr(g, by = gb))", sigma="~ z"),
        "gaussian",
        df,
        {
            "b_Intercept": 0.5,
            "b_x": 0.8,
            "b_sigma_Intercept": -0.7,
            "b_sigma_z": 0.2,
            "sd_g__Intercept:gba": 1.0,
            "sd_g__Intercept:gbb": 0.3,
        },
    )


def multinomial_own_formula() -> Case:
    """Counts of three categories; the third category's predictor has its own formula,
    the structure of the model case ``multinomial`` (group-level terms aside)."""
    rng, df = base(31)
    n = rng.integers(5, 15, size=N)
    eta = np.stack([np.zeros(N), 0.3 + 0.8 * df["x"], -0.4 + 0.6 * df["z"]], axis=1)
    counts = rng.multinomial(n, special.softmax(eta, axis=1))
    df["n"], df["y1"], df["y2"], df["y3"] = n, *counts.T
    return Case(
        bm.bf("cbind(y1, y2, y3) | trials(n) ~ x", muy3="~ z"),
        "multinomial",
        df,
        {"b_muy2_Intercept": 0.3, "b_muy2_x": 0.8, "b_muy3_Intercept": -0.4, "b_muy3_z": 0.6},
    )


def dirichlet_phi() -> Case:
    """Proportions of three categories with a precision phi; the structure of the model
    case ``dirichlet`` (group-level terms aside)."""
    rng, df = base(32)
    eta = np.stack([np.zeros(N), 0.4 + 0.7 * df["x"], -0.3 - 0.5 * df["x"]], axis=1)
    phi = np.exp(2.0 + 0.5 * df["z"].to_numpy())
    alpha = special.softmax(eta, axis=1) * phi[:, np.newaxis]
    df["y1"], df["y2"], df["y3"] = np.array([rng.dirichlet(a) for a in alpha]).T
    return Case(
        bm.bf("cbind(y1, y2, y3) ~ x", phi="~ z"),
        "dirichlet",
        df,
        {
            "b_muy2_Intercept": 0.4,
            "b_muy2_x": 0.7,
            "b_muy3_Intercept": -0.3,
            "b_muy3_x": -0.5,
            "b_phi_Intercept": 2.0,
            "b_phi_z": 0.5,
        },
    )


def mixture_two_gaussians() -> Case:
    """Two well-separated components (ordered intercepts, brms's default), each with a slope."""
    rng, df = base(30, n=200)
    x = df["x"].to_numpy()
    second = rng.uniform(size=len(df)) < 0.65
    mu = np.where(second, 2.0 - 0.3 * x, -2.0 + 0.5 * x)
    df["y"] = mu + rng.normal(size=len(df)) * np.where(second, 1.0, 0.7)
    return Case(
        "y ~ x",
        bm.mixture("gaussian", "gaussian"),
        df,
        {
            "b_mu1_Intercept": -2.0,
            "b_mu1_x": 0.5,
            "b_mu2_Intercept": 2.0,
            "b_mu2_x": -0.3,
            "sigma1": 0.7,
            "sigma2": 1.0,
            "theta1": 0.35,
            "theta2": 0.65,
        },
    )


def mv_gaussian_rescor() -> Case:
    """Two gaussian responses with residual correlation 0.5 and correlated group
    intercepts (the structure of model case mv_gaussian_rescor, one compile for both)."""
    rng, df = base(41)
    sd, cor = np.array([0.5, 0.3]), 0.4
    r = effects(rng, (G, 2), 1.0) * sd
    r[:, 1] = cor * r[:, 0] / sd[0] * sd[1] + np.sqrt(1 - cor**2) * r[:, 1]
    g = codes(df["g"])
    sigma, rho = np.array([1.0, 0.5]), 0.5
    cov = np.diag(sigma) @ np.array([[1, rho], [rho, 1]]) @ np.diag(sigma)
    e = rng.multivariate_normal(np.zeros(2), cov, size=N)
    df["y"] = 1.0 + 0.5 * df["x"] + r[g, 0] + e[:, 0]
    df["y2"] = -0.5 + 1.0 * df["x"] + r[g, 1] + e[:, 1]
    return Case(
        bm.mvbf("mvbind(y, y2) ~ x + (1 | p | g)"),
        "gaussian",
        df,
        {
            "b_y_Intercept": 1.0,
            "b_y_x": 0.5,
            "b_y2_Intercept": -0.5,
            "b_y2_x": 1.0,
            "sigma_y": 1.0,
            "sigma_y2": 0.5,
            "rescor__y__y2": rho,
            "sd_g__y_Intercept": float(r[:, 0].std(ddof=1)),
            "sd_g__y2_Intercept": float(r[:, 1].std(ddof=1)),
            "cor_g__y_Intercept__y2_Intercept": float(np.corrcoef(r.T)[0, 1]),
        },
    )


def gaussian_multi_membership() -> Case:
    """Each row's effects are the weighted mean of two members' (the structure of the
    model case ``gaussian_mm``, so one program serves both)."""
    rng, df = base(41)
    sd, cor = np.array([0.8, 0.5]), 0.4
    cov = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    r = rng.multivariate_normal(np.zeros(2), cov, size=G)
    first, second = rng.integers(0, G, size=N), rng.integers(0, G, size=N)
    df["m1st"] = pd.Categorical(first + 1, categories=range(1, G + 1))
    df["m2nd"] = pd.Categorical(second + 1, categories=range(1, G + 1))
    df["wm1"] = rng.uniform(0.2, 1.0, size=N)
    df["wm2"] = rng.uniform(0.2, 1.0, size=N)
    w1 = df["wm1"] / (df["wm1"] + df["wm2"])
    effect = w1 * (r[first, 0] + r[first, 1] * df["x"])
    effect += (1 - w1) * (r[second, 0] + r[second, 1] * df["x"])
    sigma = np.exp(-0.7 + 0.3 * df["z"])
    df["y"] = 1.0 + 0.8 * df["x"] + effect + rng.normal(0, sigma)
    return Case(
        bm.bf("y ~ x + (1 + x | mm(m1st, m2nd, weights = cbind(wm1, wm2)))", sigma="~ z"),
        "gaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.8,
            "b_sigma_Intercept": -0.7,
            "b_sigma_z": 0.3,
            "sd_mmm1stm2nd__Intercept": 0.8,
            "sd_mmm1stm2nd__x": 0.5,
            "cor_mmm1stm2nd__Intercept__x": 0.4,
        },
    )


def gen_extreme_value_scaled_xi() -> Case:
    """xi without a formula, scaled into the bounds set by mu and sigma of all rows;
    the structure of the gen_extreme_value model case."""
    rng, df = base(31)
    r = effects(rng, G, 0.5)
    mu = 1.0 + 0.5 * df["x"] + r[codes(df["g"])]
    sigma, xi = np.exp(0.3 * df["z"]), 0.2
    df["y"] = mu + sigma * (rng.exponential(size=N) ** -xi - 1) / xi
    return Case(
        bm.bf("y ~ x + (1 | g)", sigma="~ z"),
        "gen_extreme_value",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.5,
            "b_sigma_Intercept": 0.0,
            "b_sigma_z": 0.3,
            "sd_g__Intercept": 0.5,
            "xi": xi,
        },
    )


def mv_gaussian_poisson() -> Case:
    """A gaussian and a poisson response without residual correlations (the structure of
    model case mv_gaussian_poisson)."""
    rng, df = base(42)
    r = effects(rng, G, 0.4)
    df["y"] = 1.0 + 0.5 * df["x"] + rng.normal(0, 0.8, size=N)
    df["count"] = rng.poisson(np.exp(0.3 + 0.4 * df["z"] + r[codes(df["g"])]))
    return Case(
        bm.bf("y ~ x") + bm.bf("count ~ z + (1 | g)") + bm.set_rescor(False),
        ("gaussian", "poisson"),
        df,
        {
            "b_y_Intercept": 1.0,
            "b_y_x": 0.5,
            "sigma_y": 0.8,
            "b_count_Intercept": 0.3,
            "b_count_z": 0.4,
            "sd_g__count_Intercept": 0.4,
        },
    )


def gaussian_student_effects() -> Case:
    """Multivariate-t effects of g (correlated) and t effects of h, as brms draws them:
    normal effects times sqrt(df * udf), udf ~ inv_chi_square(df), per level (the
    structure of the model case ``gaussian_student_effects``)."""
    rng, df = base(43)
    sd, cor, df_g = np.array([0.8, 0.4]), 0.3, 6.0
    cov = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    scale = np.sqrt(df_g / rng.chisquare(df_g, size=G))
    r = rng.multivariate_normal(np.zeros(2), cov, size=G) * scale[:, np.newaxis]
    h_effects = 0.5 * rng.standard_t(6.0, size=4)
    g, h = codes(df["g"]), codes(df["h"])
    mu = 1.0 + 0.8 * df["x"] + r[g, 0] + r[g, 1] * df["x"] + h_effects[h]
    df["y"] = mu + rng.normal(0, np.exp(-0.5 + 0.2 * df["z"]))
    return Case(
        bm.bf(
            "y ~ x + (1 + x | gr(g, dist = 'student')) + (1 | gr(h, dist = 'student'))",
            sigma="~ z",
        ),
        "gaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.8,
            "b_sigma_Intercept": -0.5,
            "b_sigma_z": 0.2,
            "sd_g__Intercept": 0.8,
            "sd_g__x": 0.4,
            "cor_g__Intercept__x": 0.3,
            "df_g": df_g,
        },
    )


def gaussian_known_cov() -> Case:
    """Correlated effects of g with a known covariance between its levels: vec(r) drawn
    from N(0, Sigma kron A) (the structure of the model case ``gaussian_known_cov``)."""
    rng, df = base(47)
    sd, cor = np.array([0.7, 0.4]), 0.3
    sigma = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    levels = [str(k) for k in range(1, G + 1)]
    A = 0.6 ** np.abs(np.subtract.outer(np.arange(G), np.arange(G)))
    r = np.linalg.cholesky(A) @ rng.normal(size=(G, 2)) @ np.linalg.cholesky(sigma).T
    g = codes(df["g"])
    mu = 1.0 + 0.8 * df["x"] + r[g, 0] + r[g, 1] * df["x"]
    df["y"] = mu + rng.normal(0, np.exp(-0.5 + 0.2 * df["z"]))
    return Case(
        bm.bf("y ~ x + (1 + x | gr(g, cov = A))", sigma="~ z"),
        "gaussian",
        df,
        {
            "b_Intercept": 1.0,
            "b_x": 0.8,
            "b_sigma_Intercept": -0.5,
            "b_sigma_z": 0.2,
            "sd_g__Intercept": 0.7,
            "sd_g__x": 0.4,
            "cor_g__Intercept__x": 0.3,
        },
        data2={"A": pd.DataFrame(A, index=levels, columns=levels)},
    )


def sratio_category_specific() -> Case:
    """``cs(z)``: one effect of z per threshold, subtracted from it (the structure of
    the model case ``sratio_cs``)."""
    rng, df = base(31, n=600)
    thresholds, bcs = np.array([-0.8, 0.0, 0.8]), np.array([0.5, 0.0, -0.5])
    z = df["z"].to_numpy()
    eta = 0.7 * df["x"].to_numpy()
    stop = expit(thresholds - z[:, None] * bcs - eta[:, None])
    df["y"] = ordinal_response(rng, stop)
    truth = {"b_x": 0.7}
    truth |= {f"b_Intercept[{k}]": t for k, t in enumerate(thresholds, start=1)}
    truth |= {f"bcs_z[{k}]": b for k, b in enumerate(bcs, start=1)}
    return Case("y ~ x + cs(z)", "sratio", df, truth)


def gaussian_noise_free() -> Case:
    """``me(x, s)``: x observed with known noise s around latent values drawn from
    normal(0.5, 1) (the structure and prior rows of the model case ``gaussian_me``)."""
    rng, df = base(32, n=300)
    latent = rng.normal(0.5, 1.0, size=len(df))
    df["s"] = rng.uniform(0.2, 0.6, size=len(df))
    df["x"] = latent + rng.normal(0.0, df["s"])
    df["y"] = 1.0 + 0.5 * df["z"] + 0.8 * latent + rng.normal(0.0, 0.5, size=len(df))
    truth = {"b_Intercept": 1.0, "b_z": 0.5, "bsp_mexs": 0.8, "sigma": 0.5}
    truth |= {"meanme_mexs": 0.5, "sdme_mexs": 1.0}
    priors = bm.prior("normal(0, 5)", class_="meanme") + bm.prior("normal(0, 5)", class_="sdme")
    return Case("y ~ z + me(x, s)", "gaussian", df, truth, priors)


def gaussian_missing_response() -> Case:
    """``y | mi() ~ x`` with a fifth of the responses missing at random: the
    coefficients, and each estimated missing value ``Ymi[<row>]`` against the value
    removed (its posterior is about normal(mu, sigma) around it; the structure of
    the model case ``gaussian_mi``)."""
    rng, df = base(33, n=200)
    y = 1.0 + 0.7 * df["x"] + rng.normal(0.0, 0.5, size=len(df))
    missing = np.flatnonzero(rng.random(len(df)) < 0.2)
    df["y"] = y.where(~df.index.isin(missing))
    truth = {"b_Intercept": 1.0, "b_x": 0.7, "sigma": 0.5}
    truth |= {f"Ymi[{row + 1}]": float(y[row]) for row in missing}
    return Case("y | mi() ~ x", "gaussian", df, truth)


def mv_gaussian_missing_predictor() -> Case:
    """``bf(y ~ mi(xmi) * z) + bf(xmi | mi() ~ z)`` with a fifth of xmi missing at random:
    both responses' coefficients, ``bsp_y_mixmi`` and ``bsp_y_mixmi:z``, and each
    estimated ``Ymi_xmi[<row>]`` against the value removed (y informs it besides z; the
    structure, names included, of the model case ``mv_gaussian_mi_predictor``)."""
    rng, df = base(34, n=300)
    x = 0.5 + 0.8 * df["z"] + rng.normal(0.0, 0.6, size=len(df))
    df["y"] = 1.0 + 0.7 * x - 0.4 * df["z"] + 0.3 * x * df["z"]
    df["y"] += rng.normal(0.0, 0.5, size=len(df))
    missing = np.flatnonzero(rng.random(len(df)) < 0.2)
    df["xmi"] = x.where(~df.index.isin(missing))
    truth = {"b_y_Intercept": 1.0, "b_y_z": -0.4, "bsp_y_mixmi": 0.7, "bsp_y_mixmi:z": 0.3}
    truth |= {"sigma_y": 0.5, "b_xmi_Intercept": 0.5, "b_xmi_z": 0.8, "sigma_xmi": 0.6}
    truth |= {f"Ymi_xmi[{row + 1}]": float(x[row]) for row in missing}
    formula = bm.bf("y ~ mi(xmi) * z") + bm.bf("xmi | mi() ~ z") + bm.set_rescor(False)
    return Case(formula, "gaussian", df, truth)


def gaussian_monotonic_interactions() -> Case:
    """``mo(ord) * x + mo(ord):mo(bin)``: bsp_moord:x scales the monotonic effect of ord
    by x and bsp_moord:mobin by the step of bin (the structure of the model case
    ``gaussian_mo_products``)."""
    rng, df = base(33)
    df["ord"] = rng.integers(1, 5, size=N)
    df["bin"] = rng.integers(0, 2, size=N)

    def mo(simo: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return len(simo) * np.concatenate([[0.0], np.cumsum(simo)])[codes]

    simo = {"moord1": [0.6, 0.3, 0.1], "moord:x1": [0.2, 0.2, 0.6], "moord:mobin1": [0.1, 0.5, 0.4]}
    step = (df["ord"] - 1).to_numpy()
    x = df["x"].to_numpy()
    mu = 1.0 + 0.5 * x + 0.4 * mo(np.array(simo["moord1"]), step)
    mu += -0.3 * mo(np.array(simo["moord:x1"]), step) * x
    mu += 0.6 * mo(np.array(simo["moord:mobin1"]), step) * df["bin"].to_numpy()
    df["y"] = mu + rng.normal(0, 0.5, size=N)
    truth = {"b_Intercept": 1.0, "b_x": 0.5, "bsp_moord": 0.4, "bsp_moord:x": -0.3}
    truth |= {"bsp_moord:mobin": 0.6, "sigma": 0.5}
    truth |= {f"simo_{c}[{k}]": v for c, vs in simo.items() for k, v in enumerate(vs, start=1)}
    return Case("y ~ mo(ord) * x + mo(ord):mo(bin)", "gaussian", df, truth)


def gaussian_smooth_options() -> Case:
    """``s(x, m = 1)`` next to an unpenalized ``s(z, k = 5, fx = TRUE)``: the latter's
    coefficients ``bs_sz_k`` are those of its columns (mgcv's basis, checked against
    mgcv in tests/spec/test_smooth_bases.py), recovered like population-level effects
    (the structure of the model case ``gaussian_smooth_options``)."""
    rng, df = base(34)
    formula = "y ~ s(x, m = 1) + s(z, k = 5, fx = TRUE)"
    df["y"] = 0.0
    Xs = make_standata(build_spec(formula, df))["Xs"]
    bs = np.array([0.5, -0.3, 0.2, 0.4])
    df["y"] = 1.0 + np.sin(2 * df["x"]) + Xs @ bs + rng.normal(0, 0.4, size=N)
    truth = {"sigma": 0.4} | {f"bs_sz_{k}": b for k, b in enumerate(bs, start=1)}
    return Case(formula, "gaussian", df, truth)


def gaussian_monotonic_shared_id() -> Case:
    """``mo(ord, id = "a") + mo(ord, id = "a"):x``: one simplex shapes both terms
    (brms's ``simo_2 = simo_1``), recovered under both names."""
    rng, df = base(35)
    df["ord"] = rng.integers(1, 6, size=N)
    simo = np.array([0.1, 0.2, 0.3, 0.4])
    step = 4 * np.concatenate([[0.0], np.cumsum(simo)])[(df["ord"] - 1).to_numpy()]
    df["y"] = 1.0 + 0.5 * step - 0.4 * step * df["x"] + rng.normal(0, 0.5, size=N)
    truth = {"bsp_moordidEQa": 0.5, "bsp_moordidEQa:x": -0.4, "sigma": 0.5}
    for name in ("moordidEQa1", "moordidEQa:x1"):
        truth |= {f"simo_{name}[{k}]": float(v) for k, v in enumerate(simo, start=1)}
    return Case("y ~ mo(ord, id = 'a') + mo(ord, id = 'a'):x", "gaussian", df, truth)


def mv_subset() -> Case:
    """A gaussian response on the rows where cr is true (missing elsewhere) and a poisson
    response on every row, their effects of g correlated across the responses (one ID),
    and effects of two members on the gaussian one (the structure of model case
    mv_subset)."""
    rng, df = base(43)
    sd, cor = np.array([0.5, 0.4]), 0.5
    cov = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    r = rng.multivariate_normal(np.zeros(2), cov, size=G)
    members = effects(rng, G, 0.6)
    first, second = rng.integers(0, G, size=N), rng.integers(0, G, size=N)
    df["m1st"] = pd.Categorical(first + 1, categories=range(1, G + 1))
    df["m2nd"] = pd.Categorical(second + 1, categories=range(1, G + 1))
    df["cr"] = rng.uniform(size=N) < 0.6
    g = codes(df["g"])
    # mm()'s default weights: 1/2 each
    mm = (members[first] + members[second]) / 2
    ys = 1.0 + 0.5 * df["x"] + r[g, 0] + mm + rng.normal(0, 0.7, size=N)
    df["ys"] = ys.where(df["cr"])
    df["count"] = rng.poisson(np.exp(0.3 + 0.4 * df["z"] + r[g, 1]))
    return Case(
        bm.bf("ys | subset(cr) ~ x + (1 | p | g) + (1 | mm(m1st, m2nd))")
        + bm.bf("count ~ z + (1 | p | g)")
        + bm.set_rescor(False),
        ("gaussian", "poisson"),
        df,
        {
            "b_ys_Intercept": 1.0,
            "b_ys_x": 0.5,
            "sigma_ys": 0.7,
            "sd_g__ys_Intercept": 0.5,
            "sd_g__count_Intercept": 0.4,
            "cor_g__ys_Intercept__count_Intercept": 0.5,
            "sd_mmm1stm2nd__ys_Intercept": 0.6,
            "b_count_Intercept": 0.3,
            "b_count_z": 0.4,
        },
    )


def mv_student_rescor_sigma() -> Case:
    """Two student responses with residual correlation and one nu, the first with sigma
    predicted: each row a multivariate t with its own scales (the structure of model case
    mv_student_rescor)."""
    rng, df = base(48)
    nu, rescor = 8.0, 0.5
    e = rng.multivariate_normal(np.zeros(2), [[1, rescor], [rescor, 1]], size=N)
    e /= np.sqrt(rng.chisquare(nu, size=N) / nu)[:, np.newaxis]
    df["y"] = 1.0 + 0.5 * df["x"] + np.exp(-0.3 + 0.4 * df["z"]) * e[:, 0]
    df["y2"] = -0.5 + 0.8 * df["x"] + 0.8 * e[:, 1]
    return Case(
        bm.bf("y ~ x", sigma="~ z") + bm.bf("y2 ~ x") + bm.set_rescor(True),
        "student",
        df,
        {
            "b_y_Intercept": 1.0,
            "b_y_x": 0.5,
            "b_sigma_y_Intercept": -0.3,
            "b_sigma_y_z": 0.4,
            "b_y2_Intercept": -0.5,
            "b_y2_x": 0.8,
            "sigma_y2": 0.8,
            "rescor__y__y2": rescor,
            "nu": nu,
        },
    )


def gaussian_monotonic_group() -> Case:
    """``mo(ord) + (1 + mo(ord) | g)``: each level's monotonic effect is
    ``(bsp + r_g[g, moord]) * mo(simo, ord)``, correlated with its intercept (the
    structure of the model case ``gaussian_mo_group``)."""
    rng, df = base(44)
    df["ord"] = rng.integers(1, 5, size=N)
    sd, cor = np.array([0.6, 0.3]), 0.4
    cov = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    r = rng.multivariate_normal(np.zeros(2), cov, size=G)
    simo = np.array([0.5, 0.3, 0.2])
    step = 3 * np.concatenate([[0.0], np.cumsum(simo)])[(df["ord"] - 1).to_numpy()]
    g = codes(df["g"])
    df["y"] = 1.0 + r[g, 0] + (0.5 + r[g, 1]) * step + rng.normal(0, 0.5, size=N)
    truth = {"b_Intercept": 1.0, "bsp_moord": 0.5, "sigma": 0.5}
    truth |= {"sd_g__Intercept": 0.6, "sd_g__moord": 0.3, "cor_g__Intercept__moord": 0.4}
    truth |= {f"simo_moord1[{k}]": float(v) for k, v in enumerate(simo, start=1)}
    return Case("y ~ mo(ord) + (1 + mo(ord) | g)", "gaussian", df, truth)


def gaussian_monotonic_factor() -> Case:
    """``mo(ord) * f``: the monotonic effect of ord in level a of f, and per other level
    its difference, ``bsp_moord:fb`` with its own simplex (the structure of the model
    case ``gaussian_mo_factor``)."""
    rng, df = base(45)
    df["ord"] = rng.integers(1, 5, size=N)
    df["f"] = df["c"]

    def mo(simo: list[float]) -> np.ndarray:
        return 3 * np.concatenate([[0.0], np.cumsum(simo)])[(df["ord"] - 1).to_numpy()]

    simo = {"moord1": [0.6, 0.3, 0.1], "moord:fb1": [0.2, 0.3, 0.5], "moord:fc1": [0.3, 0.4, 0.3]}
    fb, fc = (df["f"] == "b").to_numpy(), (df["f"] == "c").to_numpy()
    mu = 1.0 + 0.5 * fb - 0.3 * fc + 0.4 * mo(simo["moord1"])
    mu += -0.5 * mo(simo["moord:fb1"]) * fb + 0.6 * mo(simo["moord:fc1"]) * fc
    df["y"] = mu + rng.normal(0, 0.5, size=N)
    truth = {"b_Intercept": 1.0, "b_fb": 0.5, "b_fc": -0.3, "bsp_moord": 0.4}
    truth |= {"bsp_moord:fb": -0.5, "bsp_moord:fc": 0.6, "sigma": 0.5}
    truth |= {f"simo_{c}[{k}]": v for c, vs in simo.items() for k, v in enumerate(vs, start=1)}
    return Case("y ~ mo(ord) * f", "gaussian", df, truth)


def gaussian_smooth_cr_knots() -> Case:
    """A zigzag exactly in the span of ``s(x, bs = "cr", k = 6)`` with the knots given
    (brms's ``knots``, spanning the data): the natural cubic spline through them (the
    structure of ``gaussian_smooth_cr``, knots being data)."""
    rng, df = base(46, n=100)
    x = df["x"].to_numpy()
    knots = np.array([x.min(), -1.0, -0.2, 0.2, 1.0, x.max()])
    values = 0.8 * np.array([0.0, 1.0, -1.0, 1.0, -1.0, 0.0])
    curve = interpolate.CubicSpline(knots, values, bc_type="natural")(x)
    df["y"] = 1.0 + curve + 0.5 * df["z"] + rng.normal(0, 0.4, size=len(df))
    return Case(
        "y ~ z + s(x, bs = 'cr', k = 6)",
        "gaussian",
        df,
        {"b_Intercept": 1.0 + curve.mean(), "b_z": 0.5, "sigma": 0.4},
        knots={"x": knots},
    )


def series_frame(
    seed: int, groups: int = 30, times: int = 10
) -> tuple[np.random.Generator, pd.DataFrame]:
    """``groups`` series g of ``times`` times t each, rows shuffled later."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=groups * times),
            "g": np.repeat([f"s{k}" for k in range(groups)], times),
            "t": np.tile(np.arange(1, times + 1), groups),
        }
    )
    return rng, frame


def gaussian_cosy() -> Case:
    """Compound symmetry within 30 series of 10 times (the structure of model case
    gaussian_cosy): residuals sigma * (sqrt(cosy) u_series + sqrt(1 - cosy) e)."""
    rng, df = series_frame(44)
    cosy, sigma = 0.5, 0.8
    shared = np.repeat(rng.normal(size=30), 10)
    err = sigma * (np.sqrt(cosy) * shared + np.sqrt(1 - cosy) * rng.normal(size=len(df)))
    df["y"] = 1.0 + 0.5 * df["x"] + err
    return Case(
        "y ~ x + cosy(t, g)",
        "gaussian",
        df.sample(frac=1.0, random_state=4),
        {"cosy": cosy, "sigma": sigma, "b_x": 0.5, "b_Intercept": 1.0},
    )


def gaussian_ar_cov() -> Case:
    """Stationary AR(1) residuals (ar 0.6, innovation sd 0.7) within 30 series of 10
    times, brms's covariance sigma^2 ar^|k| / (1 - ar^2) (the structure of model case
    gaussian_ar_cov)."""
    rng, df = series_frame(45)
    ar, sigma = 0.6, 0.7
    err = np.zeros(len(df))
    for row in range(len(df)):
        if df["t"].iloc[row] == 1:
            err[row] = rng.normal(0, sigma / np.sqrt(1 - ar**2))
        else:
            err[row] = ar * err[row - 1] + rng.normal(0, sigma)
    df["y"] = 1.0 + 0.5 * df["x"] + err
    return Case(
        "y ~ x + ar(t, g, cov = TRUE)",
        "gaussian",
        df.sample(frac=1.0, random_state=5),
        {"ar[1]": ar, "sigma": sigma, "b_x": 0.5, "b_Intercept": 1.0},
    )


CASES = {
    f.__name__: f
    for f in (
        gaussian_correlated,
        student_fixed,
        poisson_nested_offset,
        negbinomial_crossed,
        bernoulli_uncorrelated,
        binomial_no_intercept_group,
        lognormal_interaction_group,
        gamma_log,
        gamma_inverse,
        beta_weights,
        cumulative_thresholds,
        distributional_sigma,
        zero_inflated_poisson_zi,
        hurdle_poisson_scalar,
        zero_inflated_negbinomial_scalar,
        hurdle_negbinomial_hu,
        exponential_log,
        weibull_shape,
        skew_normal_alpha,
        shifted_lognormal_ndt,
        gaussian_monotonic,
        meta_analysis_se,
        student_se_sigma,
        poisson_rate,
        negbinomial_rate,
        weibull_right_censored,
        gaussian_interval_censored,
        gaussian_truncated,
        poisson_truncated,
        sratio_disc,
        cratio_probit,
        acat_group,
        cumulative_cloglog_disc,
        exgaussian_scalar,
        frechet_nu,
        von_mises_tan_half,
        zero_inflated_binomial_zi,
        zero_inflated_beta_scalar,
        zero_one_inflated_beta_zoi,
        hurdle_gamma_hu,
        hurdle_lognormal_hu,
        beta_binomial_phi,
        geometric_log,
        gaussian_smooth_cr,
        gaussian_smooth_by_factor,
        gaussian_nonlinear_growth,
        gaussian_ar1,
        gaussian_shared_id,
        gaussian_by,
        categorical_glm,
        multinomial_own_formula,
        dirichlet_phi,
        mixture_two_gaussians,
        mv_gaussian_rescor,
        mv_gaussian_poisson,
        gaussian_multi_membership,
        gaussian_student_effects,
        gaussian_known_cov,
        gen_extreme_value_scaled_xi,
        sratio_category_specific,
        gaussian_noise_free,
        gaussian_missing_response,
        mv_gaussian_missing_predictor,
        gaussian_monotonic_interactions,
        gaussian_smooth_options,
        gaussian_monotonic_shared_id,
        mv_subset,
        gaussian_monotonic_group,
        gaussian_monotonic_factor,
        gaussian_smooth_cr_knots,
        gaussian_cosy,
        gaussian_ar_cov,
        mv_student_rescor_sigma,
    )
}


# Tolerance in standard errors; see the module docstring.
Z = 5.0
# Parameters compared on a transformed scale, by name prefix.
_POSITIVE = ("sigma", "shape", "phi", "sd_", "ndt", "nu", "beta", "kappa", "df_")
_PROBABILITY = ("zi", "hu", "zoi", "coi", "simo_", "theta")


def _scale(parameter: str) -> tuple[str, Any]:
    if parameter.startswith(_POSITIVE):
        return "log", np.log
    if parameter.startswith(_PROBABILITY):
        return "logit", logit
    if parameter.startswith(("cor_", "rescor_", "cosy")):
        return "atanh", np.arctanh
    return "identity", lambda v: v


def z_score(values: np.ndarray, truth: float) -> tuple[float, float, float]:
    """(z, posterior sd, MCSE of the mean) of ``truth`` for ``(chains, draws)`` values."""
    sd = float(values.std(ddof=1))
    mcse = np.asarray(az.mcse(values, method="mean")).item()  # a scalar or a 1-array
    return (float(values.mean()) - truth) / np.hypot(sd, mcse), sd, mcse


def stan_programs() -> list[str]:
    """Every case's program (compiled at the session's start, tests/conftest.py)."""
    cases = [make() for make in CASES.values()]
    return [
        bm.stancode(
            case.formula,
            case.data,
            family=case.family,
            prior=case.prior,
            data2=case.data2,
            knots=case.knots,
        )
        for case in cases
    ]


@pytest.mark.parametrize("name", CASES)
def test_truth_within_five_standard_errors(name):
    case = CASES[name]()
    fit = bm.brm(
        case.formula,
        data=case.data,
        family=case.family,
        prior=case.prior,
        data2=case.data2,
        knots=case.knots,
        chains=2,
        iter=800,
        seed=2026,
        show_progress=False,
    )
    draws = fit.draws_frame()
    missing = set(case.truth) - set(draws.columns)
    assert not missing, f"parameters {missing} not in {list(draws.columns)[:30]}"
    rows = []
    for parameter, truth in case.truth.items():
        scale, transform = _scale(parameter)
        values = transform(draws[parameter].to_numpy().reshape(2, -1))
        z, sd, mcse = z_score(values, float(transform(truth)))
        rows.append((parameter, scale, truth, z, sd, mcse))
    report = "\n".join(
        f"{p:>22} ({s}): truth {t:g}, z {z:+.2f}, sd {sd:.3g}, mcse {m:.2g}"
        for p, s, t, z, sd, m in rows
    )
    assert all(abs(z) < Z for *_, z, _, _ in rows), f"truth not recovered:\n{report}"
