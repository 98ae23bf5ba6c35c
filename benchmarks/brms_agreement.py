"""Do pybrms's posteriors agree with brms's? A check against brms itself (needs R with brms).

For each case, R's brms writes its own Stan program and data (``make_stancode``,
``make_standata``; nothing is compiled in R). pybrms's embedded backend samples brms's
program on brms's data, and pybrms fits the same formula, family and data with its own
program. For every parameter the two programs share (brms's names), the script prints
the difference of the posterior means in units of its Monte Carlo standard error,
``z = (mean_pybrms - mean_brms) / sqrt(mcse_pybrms^2 + mcse_brms^2)``, and the ratio of
posterior sds. Same posterior: |z| mostly below 2, rarely above 3. Each case ends with
one line (largest |z|, range of sd ratios; flagged beyond 3.5 or outside 0.8-1.25) and
the run with a markdown table of those lines. One R session writes every chosen case's
program and data, and brms's and pybrms's programs are compiled together
(``pybrms.precompile``), so a batch of cases costs far less than its cases one by one.

The parameters of smooths and Gaussian processes depend on their basis (a sign or
a rotation may differ), so for those cases (``curve=True``) the script compares the
fitted curve instead: the posterior of ``mu`` at every data row, which brms's
program is made to output (its model block's linear predictor, copied into
generated quantities), against pybrms's ``posterior_linpred()``.

    python benchmarks/brms_agreement.py [--draws 1000] [--list] [case or pattern ...]

e.g. ``python benchmarks/brms_agreement.py 'hurdle_*' von_mises``.

Tests never need R; this script is for a machine that has it (e.g. Debian's
``r-cran-brms``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
from scipy import special, stats

import pybrms as bm
from pybrms.backends import compile_model, precompile
from pybrms.fit.program import _stanc_info


@dataclass(frozen=True)
class Case:
    r_formula: str  # the formula in R, as a brms user writes it
    r_family: str
    formula: object  # the same in pybrms
    family: object
    data: pd.DataFrame
    r_setup: str = ""  # R code run before the formula: matrix responses, a custom family
    stanvars: object = None  # pybrms's stanvars (brms's are defined in r_setup)
    curve: bool = False  # compare mu at the rows, not the basis-dependent parameters
    r_prior: str = "NULL"  # priors in R
    prior: bm.priors.Priors | None = None  # the same in pybrms


def _softmax(eta: np.ndarray) -> np.ndarray:
    e = np.exp(eta - eta.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _data(seed: int, n: int = 300) -> pd.DataFrame:
    """One data set with a response for every family (each case uses its columns)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    g1, g2 = rng.integers(1, 11, size=n), rng.integers(1, 11, size=n)
    effects = rng.normal(0, 0.5, size=11)
    eta = 0.3 + 0.8 * x + 0.5 * (effects[g1] + effects[g2])
    latent = 0.5 + rng.normal(size=n)
    sdx = rng.uniform(0.2, 0.5, size=n)
    cuts = np.array([-1.0, 0.0, 1.0])
    ordinal = 1 + (eta[:, None] + rng.logistic(size=n)[:, None] > cuts).sum(axis=1)
    u = rng.uniform(size=n)
    xi = 0.2
    e = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=n)
    zero = rng.uniform(size=n) < 0.2
    one = rng.uniform(size=n) < 0.1
    mu01 = special.expit(0.5 * eta)
    prop = np.clip(rng.beta(5 * mu01, 5 * (1 - mu01)), 1e-6, 1 - 1e-6)
    positive = np.exp(0.5 + 0.5 * x + 0.5 * rng.normal(size=n))
    size = np.full(n, 10)
    bb = rng.binomial(size, rng.beta(8 * mu01, 8 * (1 - mu01)))
    shares = _softmax(np.column_stack([np.zeros(n), 0.5 * x, -0.5 + x]))
    counts = np.array([rng.multinomial(10, p) for p in shares])
    props = np.array([rng.dirichlet(10 * p) for p in shares])
    component = rng.uniform(size=n) < 0.4
    angle = 2 * np.arctan(0.2 + 0.5 * x) + rng.vonmises(0, 4, size=n)
    return pd.DataFrame(
        {
            "x": x,
            "z": z,
            "g1": g1,
            "g2": g2,
            "y": eta + rng.normal(size=n),
            "gev": eta + ((-np.log(u)) ** -xi - 1) / xi,
            "count": np.where(zero, 0, rng.poisson(np.exp(0.3 + 0.5 * x))),
            "nb": rng.negative_binomial(2, 2 / (2 + np.exp(0.5 + 0.5 * x))),
            "cat": np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)],
            "ord": ordinal,
            "xobs": latent + rng.normal(0, sdx),
            "sdx": sdx,
            "yme": 1.0 + 0.8 * latent + rng.normal(0, 0.5, size=n),
            "y1": 1 + 0.5 * x + e[:, 0],
            "y2": -1 + x + e[:, 1],
            "size": size,
            "zib": np.where(zero, 0, rng.binomial(size, mu01)),
            "bb": bb,
            "prop0": np.where(zero, 0.0, prop),
            "prop01": np.where(zero, 0.0, np.where(one, 1.0, prop)),
            "pos": positive,
            "pos0": np.where(zero, 0.0, positive),
            "skew": eta + stats.skewnorm.rvs(4, size=n, random_state=rng),
            "exg": eta + rng.normal(0, 0.5, size=n) + rng.exponential(1, size=n),
            "shifted": 0.3 + positive,
            "weib": np.exp(0.5 + 0.3 * x) * rng.weibull(2, size=n),
            "frech": np.exp(0.5 + 0.3 * x) * (-np.log(rng.uniform(size=n))) ** (-1 / 4),
            "angle": np.angle(np.exp(1j * angle)),
            "geo": rng.negative_binomial(1, 1 / (1 + np.exp(0.5 + 0.5 * x))),
            "m1": counts[:, 0],
            "m2": counts[:, 1],
            "m3": counts[:, 2],
            "p1": props[:, 0],
            "p2": props[:, 1],
            "p3": props[:, 2],
            "ymix": np.where(component, -2, 2) + 0.5 * x + rng.normal(size=n),
            "cmix": rng.poisson(np.exp(np.where(component, 0.5, 2.0) + 0.3 * x)),
        }
    )


_DATA = _data(1)

_BETA_BINOMIAL2 = """
  real beta_binomial2_lpmf(int y, real mu, real phi, int T) {
    return beta_binomial_lpmf(y | T, mu * phi, (1 - mu) * phi);
  }
"""
# brms's vignette "Define Custom Response Distributions"
_R_BETA_BINOMIAL2 = f"""
beta_binomial2 <- custom_family(
  "beta_binomial2", dpars = c("mu", "phi"), links = c("logit", "log"),
  lb = c(0, 0), ub = c(1, NA), type = "int", vars = "vint1[n]")
stanvars <- stanvar(scode = "{_BETA_BINOMIAL2}", block = "functions")
"""


def _case(formula: str, family: str, data: pd.DataFrame | None = None, **options: Any) -> Case:
    """A case whose formula and family read the same in R and in pybrms."""
    return Case(formula, f"{family}()", formula, family, _DATA if data is None else data, **options)


def _ordinal(family: str, link: str, formula: str = "ord ~ x") -> Case:
    return Case(formula, f"{family}('{link}')", formula, bm.family(family, link=link), _DATA)


def _smooth_data(seed: int, n: int = 200) -> pd.DataFrame:
    """A wiggly, cyclic-friendly mean in x, a gentler one in z, and a slope by factor."""
    rng = np.random.default_rng(seed)
    x, z = rng.uniform(0, 1, size=n), rng.uniform(0, 1, size=n)
    f = np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)]
    slope = np.select([f == "b", f == "c"], [1.0, -1.0], 0.0)
    mu = np.sin(2 * np.pi * x) + 0.5 * np.cos(np.pi * z) + 0.8 * x * z + slope * x
    return pd.DataFrame({"x": x, "z": z, "f": f, "y": mu + rng.normal(0, 0.3, size=n)})


def _curve(formula: str, seed: int, n: int = 200) -> Case:
    return _case(formula, "gaussian", _smooth_data(seed, n), curve=True)


CASES = {
    "gen_extreme_value": _case("gev ~ x", "gen_extreme_value", _data(1)),
    "categorical": _case("cat ~ x", "categorical", _data(2)),
    "zero_inflated_poisson": Case(
        "bf(count ~ x, zi ~ x)",
        "zero_inflated_poisson()",
        bm.bf("count ~ x", zi="~ x"),
        "zero_inflated_poisson",
        _data(3),
    ),
    "sratio_cs": _case("ord ~ cs(x)", "sratio", _data(4)),
    "multi_membership": _case("y ~ x + (1 | mm(g1, g2))", "gaussian", _data(5)),
    "measurement_error": _case("yme ~ me(xobs, sdx)", "gaussian", _data(6)),
    "multivariate_rescor": Case(
        "bf(mvbind(y1, y2) ~ x) + set_rescor(TRUE)",
        "gaussian()",
        bm.bf("mvbind(y1, y2) ~ x") + bm.set_rescor(True),
        "gaussian",
        _data(7),
    ),
    "zero_inflated_negbinomial": _case("count ~ x", "zero_inflated_negbinomial"),
    "zero_inflated_binomial": Case(
        "bf(zib | trials(size) ~ x, zi ~ x)",
        "zero_inflated_binomial()",
        bm.bf("zib | trials(size) ~ x", zi="~ x"),
        "zero_inflated_binomial",
        _DATA,
    ),
    "zero_inflated_beta": _case("prop0 ~ x", "zero_inflated_beta"),
    "zero_one_inflated_beta": Case(
        "bf(prop01 ~ x, coi ~ x)",
        "zero_one_inflated_beta()",
        bm.bf("prop01 ~ x", coi="~ x"),
        "zero_one_inflated_beta",
        _DATA,
    ),
    "hurdle_poisson": Case(
        "bf(count ~ x, hu ~ x)",
        "hurdle_poisson()",
        bm.bf("count ~ x", hu="~ x"),
        "hurdle_poisson",
        _DATA,
    ),
    "hurdle_negbinomial": _case("count ~ x", "hurdle_negbinomial"),
    "hurdle_gamma": Case(
        "bf(pos0 ~ x, hu ~ x)",
        "hurdle_gamma()",
        bm.bf("pos0 ~ x", hu="~ x"),
        "hurdle_gamma",
        _DATA,
    ),
    "hurdle_lognormal": _case("pos0 ~ x", "hurdle_lognormal"),
    "skew_normal": _case("skew ~ x", "skew_normal"),
    "exgaussian": _case("exg ~ x", "exgaussian"),
    "shifted_lognormal": _case("shifted ~ x", "shifted_lognormal"),
    "weibull": _case("weib ~ x", "weibull"),
    "exponential": _case("weib ~ x", "exponential"),
    "frechet": _case("frech ~ x", "frechet"),
    # with a flat prior on b the posterior is improper (2 atan(eta) is bounded, so the
    # likelihood flattens as |b| grows, and a chain may drift away): normal(0, 2) on b
    "von_mises": _case(
        "angle ~ x",
        "von_mises",
        r_prior="prior(normal(0, 2), class = b)",
        prior=bm.prior("normal(0, 2)", class_="b"),
    ),
    "beta_binomial": _case("bb | trials(size) ~ x", "beta_binomial"),
    "geometric": _case("geo ~ x", "geometric"),
    "student_nu": Case(
        "bf(y ~ x, nu ~ 1)", "student()", bm.bf("y ~ x", nu="~ 1"), "student", _DATA
    ),
    "multinomial": Case(
        "Y | trials(size) ~ x",
        "multinomial()",
        "cbind(m1, m2, m3) | trials(size) ~ x",
        "multinomial",
        _DATA,
        r_setup="data$Y <- with(data, cbind(m1 = m1, m2 = m2, m3 = m3))",
    ),
    "dirichlet": Case(
        "P ~ x",
        "dirichlet()",
        "cbind(p1, p2, p3) ~ x",
        "dirichlet",
        _DATA,
        r_setup="data$P <- with(data, cbind(p1 = p1, p2 = p2, p3 = p3))",
    ),
    "cratio_probit": _ordinal("cratio", "probit"),
    "acat_logit": _ordinal("acat", "logit"),
    "acat_cloglog": _ordinal("acat", "cloglog"),
    "sratio_cauchit": _ordinal("sratio", "cauchit"),
    "cumulative_disc": Case(
        "bf(ord ~ x, disc ~ 0 + z)",
        "cumulative()",
        bm.bf("ord ~ x", disc="~ 0 + z"),
        "cumulative",
        _DATA,
    ),
    "mixture_gaussian": Case(
        "ymix ~ x",
        "mixture(gaussian(), gaussian())",
        "ymix ~ x",
        bm.mixture("gaussian", "gaussian"),
        _DATA,
    ),
    # flat priors on b leave a component's slope free where its weight vanishes, and a
    # chain may drift away: normal(0, 2) on b, as for von_mises
    "mixture_poisson": Case(
        "cmix ~ x",
        "mixture(poisson(), poisson())",
        "cmix ~ x",
        bm.mixture("poisson", "poisson"),
        _DATA,
        r_prior="prior(normal(0, 2), class = b, dpar = mu1) + "
        "prior(normal(0, 2), class = b, dpar = mu2)",
        prior=bm.prior("normal(0, 2)", class_="b", dpar="mu1")
        + bm.prior("normal(0, 2)", class_="b", dpar="mu2"),
    ),
    "custom_beta_binomial2": Case(
        "bb | vint(size) ~ x",
        "beta_binomial2",
        "bb | vint(size) ~ x",
        bm.custom_family(
            "beta_binomial2",
            dpars=["mu", "phi"],
            links=["logit", "log"],
            lb=[0, 0],
            ub=[1, None],
            type="int",
            vars=["vint1[n]"],
        ),
        _DATA,
        r_setup=_R_BETA_BINOMIAL2,
        stanvars=bm.stanvar(_BETA_BINOMIAL2),
    ),
    # smooths and Gaussian processes, compared by their fitted curve
    "s": _curve("y ~ s(x)", 11),
    "s_cr": _curve('y ~ s(x, bs = "cr", k = 8)', 12),
    "s_cc": _curve('y ~ s(x, bs = "cc")', 13),
    "s_xz": _curve("y ~ s(x, z)", 14),
    "s_by": _curve("y ~ f + s(x, by = f)", 15),
    "t2": _curve("y ~ t2(x, z)", 16),
    "gp": _curve("y ~ gp(x)", 17, n=80),
    "gp_approx": _curve("y ~ gp(x, k = 20, c = 5/4)", 18),
    "gp_by": _curve("y ~ gp(x, by = f)", 19, n=90),
}


def _meta(seed: int, studies: int = 40) -> pd.DataFrame:
    """One effect estimate per study with its known standard error."""
    rng = np.random.default_rng(seed)
    sei = rng.uniform(0.1, 0.5, size=studies)
    return pd.DataFrame(
        {
            "study": np.arange(1, studies + 1),
            "yi": 0.3 + rng.normal(0, 0.2, size=studies) + rng.normal(0, sei),
            "sei": sei,
        }
    )


def _survival(seed: int, n: int = 300) -> pd.DataFrame:
    """Weibull times, censored to the left, the right or an interval (brms's -1, 1, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    time = np.exp(0.5 + 0.4 * x) * rng.weibull(1.5, size=n) / np.exp(0.0)
    kind = rng.choice([0, -1, 1, 2], size=n, p=[0.55, 0.1, 0.2, 0.15])
    lower = np.where(kind == 2, time * rng.uniform(0.5, 0.9, size=n), time)
    upper = np.where(kind == 2, time * rng.uniform(1.1, 1.5, size=n), 0.0)
    return pd.DataFrame({"x": x, "time": lower, "censored": kind, "time2": upper})


def _series(seed: int, series: int = 6, length: int = 50) -> pd.DataFrame:
    """ARMA(1, 1) residuals within each series, rows shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(1, series + 1):
        x = rng.normal(size=length)
        shock = rng.normal(0, 0.7, size=length)
        err = np.zeros(length)
        for t in range(length):
            err[t] = (0.6 * err[t - 1] + 0.3 * shock[t - 1] if t else 0.0) + shock[t]
        rows.append(pd.DataFrame({"s": s, "t": np.arange(1, length + 1), "x": x, "y": 1 + x + err}))
    return pd.concat(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _compound(seed: int, series: int = 40, length: int = 8) -> pd.DataFrame:
    """Residuals correlated 0.4 within each series (compound symmetry), rows shuffled."""
    rng = np.random.default_rng(seed)
    n = series * length
    shared = np.repeat(rng.normal(0, np.sqrt(0.4), size=series), length)
    x = rng.normal(size=n)
    return (
        pd.DataFrame(
            {
                "s": np.repeat(np.arange(1, series + 1), length),
                "t": np.tile(np.arange(1, length + 1), series),
                "x": x,
                "y": 1 + x + 0.8 * (shared + rng.normal(0, np.sqrt(0.6), size=n)),
            }
        )
        .sample(frac=1.0, random_state=seed)
        .reset_index(drop=True)
    )


def _sparse(seed: int, n: int = 200) -> pd.DataFrame:
    """Eight predictors, two of them with effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    y = 0.5 + 1.0 * x[:, 0] - 0.7 * x[:, 1] + rng.normal(size=n)
    return pd.DataFrame({"y": y, **{f"x{k}": x[:, k - 1] for k in range(1, 9)}})


def _more(seed: int, n: int = 300) -> pd.DataFrame:
    """Truncated, exposure and growth-curve responses, and two responses sharing effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(1, 11, size=n)
    u = rng.normal(0, 0.4, size=(11, 2))
    yt = 0.5 + 0.8 * x + rng.normal(size=n)
    while (bad := yt <= 0).any():
        yt[bad] = 0.5 + 0.8 * x[bad] + rng.normal(size=bad.sum())
    expo = rng.uniform(1, 10, size=n)
    dose = rng.uniform(0, 4, size=n)
    return pd.DataFrame(
        {
            "x": x,
            "g": g,
            "yt": yt,
            "expo": expo,
            "count": rng.poisson(expo * np.exp(-1 + 0.5 * x)),
            "dose": dose,
            "yg": (2 + u[g, 0]) * (1 - np.exp(-0.8 * dose)) + rng.normal(0, 0.2, size=n),
            "y1": 1 + 0.5 * x + u[g, 0] + rng.normal(size=n),
            "y2": -1 + x + u[g, 1] + rng.normal(size=n),
        }
    )


def _subset(seed: int, n: int = 300) -> pd.DataFrame:
    """y1 observed (and used) on about 60% of the rows, y2 on all."""
    df = _more(seed, n)
    rng = np.random.default_rng(seed + 1)
    used = rng.uniform(size=n) < 0.6
    df["s1"] = used.astype(int)  # 1/0: R's read.csv leaves True/False as text
    df["y1"] = df["y1"].where(used)
    return df


def _bounded(seed: int, n: int = 300) -> pd.DataFrame:
    """A geometric count truncated above at a per-row bound (drawn again until within)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    mu = np.exp(0.8 + 0.5 * x)
    ub = rng.integers(2, 9, size=n)
    geo = rng.negative_binomial(1, 1 / (1 + mu))
    while (above := geo > ub).any():
        geo[above] = rng.negative_binomial(1, 1 / (1 + mu[above]))
    return pd.DataFrame({"x": x, "geo": geo, "ub": ub})


def _censored_mixture(seed: int, n: int = 300) -> pd.DataFrame:
    """Two gaussian modes, censored at -3 (left) and 3 (right)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    component = rng.uniform(size=n) < 0.4
    y = np.where(component, -2.0, 2.0) + 0.5 * x + rng.normal(size=n)
    cens = np.select([y < -3, y > 3], [-1, 1], 0)
    return pd.DataFrame({"x": x, "ymix": np.clip(y, -3, 3), "cm": cens})


_EIGHT = " + ".join(f"x{k}" for k in range(1, 9))

CASES |= {
    "se_meta_analysis": _case("yi | se(sei) ~ 1 + (1 | study)", "gaussian", _meta(11)),
    "weibull_cens": _case("time | cens(censored, time2) ~ x", "weibull", _survival(12)),
    "gaussian_trunc": _case("yt | trunc(lb = 0) ~ x", "gaussian", _more(13)),
    "poisson_rate": _case("count | rate(expo) ~ x", "poisson", _more(14)),
    "nonlinear_growth": Case(
        "bf(yg ~ a * (1 - exp(-b * dose)), a ~ 1 + (1 | g), b ~ 1, nl = TRUE)",
        "gaussian()",
        bm.bf("yg ~ a * (1 - exp(-b * dose))", "a ~ 1 + (1 | g)", "b ~ 1", nl=True),
        "gaussian",
        _more(15),
        'prior(normal(2, 1), nlpar = "a") + prior(normal(1, 0.5), nlpar = "b", lb = 0)',
        bm.prior("normal(2, 1)", nlpar="a") + bm.prior("normal(1, 0.5)", nlpar="b", lb=0),
    ),
    "ar1": _case("y ~ x + ar(time = t, gr = s, p = 1)", "gaussian", _series(16)),
    "arma11": _case("y ~ x + arma(time = t, gr = s, p = 1, q = 1)", "gaussian", _series(17)),
    "horseshoe": Case(
        f"y ~ {_EIGHT}", "gaussian()", f"y ~ {_EIGHT}", "gaussian", _sparse(18),
        "prior(horseshoe(1))", bm.prior("horseshoe(1)"),
    ),
    "R2D2": Case(
        f"y ~ {_EIGHT}", "gaussian()", f"y ~ {_EIGHT}", "gaussian", _sparse(19),
        # cons_D2 given: its default is 0.5 since brms 2.20 (pybrms's), 1 in brms 2.18
        "prior(R2D2(mean_R2 = 0.5, prec_R2 = 2, cons_D2 = 0.5))",
        bm.prior("R2D2(mean_R2=0.5, prec_R2=2, cons_D2=0.5)"),
    ),
    "multivariate_shared_id": Case(
        "bf(y1 ~ x + (1 | p | g)) + bf(y2 ~ x + (1 | p | g)) + set_rescor(FALSE)",
        "gaussian()",
        bm.bf("y1 ~ x + (1 | p | g)") + bm.bf("y2 ~ x + (1 | p | g)") + bm.set_rescor(False),
        "gaussian",
        _more(20),
    ),
    "geometric_trunc": _case("geo | trunc(ub = ub) ~ x", "geometric", _bounded(22)),
    "mixture_cens": Case(
        "ymix | cens(cm) ~ x", "mixture(gaussian(), gaussian())", "ymix | cens(cm) ~ x",
        bm.mixture("gaussian", "gaussian"), _censored_mixture(23),
    ),
    "cosy": _case("y ~ x + cosy(time = t, gr = s)", "gaussian", _compound(22)),
    "cosy_student": _case("y ~ x + cosy(time = t, gr = s)", "student", _compound(23)),
    "ar1_cov": _case("y ~ x + ar(time = t, gr = s, p = 1, cov = TRUE)", "gaussian", _series(24)),
    "arma11_cov": _case(
        "y ~ x + arma(time = t, gr = s, p = 1, q = 1, cov = TRUE)", "gaussian", _series(25)
    ),
    "multivariate_subset": Case(
        "bf(y1 | subset(s1) ~ x + (1 | g)) + bf(y2 ~ x) + set_rescor(FALSE)",
        "gaussian()",
        bm.bf("y1 | subset(s1) ~ x + (1 | g)") + bm.bf("y2 ~ x") + bm.set_rescor(False),
        "gaussian",
        _subset(21),
    ),
    # a correlation ID shared by responses with different rows (brms's J_1_y1, J_1_y2)
    "multivariate_subset_shared_id": Case(
        "bf(y1 | subset(s1) ~ x + (1 | p | g)) + bf(y2 ~ x + (1 | p | g)) + set_rescor(FALSE)",
        "gaussian()",
        bm.bf("y1 | subset(s1) ~ x + (1 | p | g)")
        + bm.bf("y2 ~ x + (1 | p | g)")
        + bm.set_rescor(False),
        "gaussian",
        _subset(26),
    ),
    # residual correlations with sigma predicted: each row its own covariance
    "multivariate_rescor_sigma": Case(
        "bf(y1 ~ x, sigma ~ x) + bf(y2 ~ x) + set_rescor(TRUE)",
        "gaussian()",
        bm.bf("y1 ~ x", sigma="~ x") + bm.bf("y2 ~ x") + bm.set_rescor(True),
        "gaussian",
        _data(27),
    ),
    # mo() varying over a grouping (bsp[1] + r_1_2[J_1[n]]), and with a categorical
    # covariate (one special term per contrast of cat)
    "monotonic_group": _case("y ~ mo(ord) + (1 + mo(ord) | g1)", "gaussian"),
    "monotonic_factor": _case("y ~ mo(ord) * cat", "gaussian"),
}  # fmt: skip


# one R session writes every case's program and data (loading brms takes a while)
_R_CASE = """
local({{
data <- read.csv("{csv}")
for (v in names(data)) if (is.character(data[[v]])) data[[v]] <- factor(data[[v]])
if (!is.null(data$cat)) data$cat <- factor(data$cat)
if (!is.null(data$ord)) data$ord <- ordered(data$ord)
stanvars <- NULL
{setup}
f <- {formula}
p <- {prior}
writeLines(
  make_stancode(f, data = data, family = {family}, prior = p, stanvars = stanvars), "{stan}"
)
sdata <- make_standata(f, data = data, family = {family}, prior = p, stanvars = stanvars)
sdata <- lapply(unclass(sdata), function(v) {{
  d <- dim(v); attributes(v) <- NULL; if (!is.null(d)) dim(v) <- d; v
}})
jsonlite::write_json(sdata, "{json}", digits = NA, auto_unbox = FALSE)
}})
"""


_TYPE = r"(?:int|real|vector|row_vector|matrix|simplex|ordered|cholesky_factor_corr)"
# old array syntax, which brms 2.18 writes for rstan: `int<lower=1> J[N];`, `vector[K] z[M];`
# sizes may index an array once: `int<lower=1> Igp_1_1[Ngp_1[1]];` (gp() with a factor by)
_SIZE = r"(?:[^\[\]]|\[[^\]]*\])"
_OLD_DECLARATION = re.compile(
    rf"^(\s*)({_TYPE}(?:<[^>;]*>)?(?:\[{_SIZE}*\])?)\s+(\w+)\[({_SIZE}+)\](\s*(?:=[^;]*)?;)",
    re.MULTILINE,
)
# `int[] Y` in function arguments
_OLD_ARGUMENT = re.compile(rf"\b(data\s+)?({_TYPE})\[(\s*(?:,\s*)*)\]\s+(\w+)")


def modern_arrays(code: str) -> str:
    """brms 2.18's program in Stan's current array syntax (``array[N] int Y;``)."""
    code = _OLD_DECLARATION.sub(r"\1array[\4] \2 \3\5", code)
    return _OLD_ARGUMENT.sub(lambda m: f"{m[1] or ''}array[{m[3]}] {m[2]} {m[4]}", code)


_MODEL = re.compile(r"^model \{\n(.*?)^\}", re.MULTILINE | re.DOTALL)
_GLM = re.compile(r"_glm_lpdf\(Y \| (\w+), mu, (\w+),")


def with_mu(code: str) -> str:
    """brms's program that also outputs ``mu_curve``, the linear predictor its model
    block computes before the likelihood (brms keeps it local)."""
    model = _MODEL.search(code)
    if model is None:
        raise ValueError("brms's program has no model block")
    lines = model[1].splitlines()
    start = next(k for k, line in enumerate(lines) if "if (!prior_only)" in line) + 1
    end = next(k for k, line in enumerate(lines) if "target +=" in line)
    body = "\n".join(line for line in lines[start:end] if not line.strip().startswith("//"))
    # a GLM likelihood adds the design matrix times b itself: normal_id_glm_lpdf(Y | Xc, mu, b, ..)
    glm = _GLM.search(lines[end])
    value = f"mu + {glm[1]} * {glm[2]}" if glm else "mu"
    extra = f"  vector[N] mu_curve;\n  {{\n{body}\n    mu_curve = {value};\n  }}\n}}\n"
    return code.rstrip().removesuffix("}") + extra


def brms_programs(cases: dict[str, Case], folder: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """brms's Stan program and its data (as Stan JSON values) for each case."""
    script = ["suppressMessages(library(brms))"]
    for name, case in cases.items():
        csv = folder / f"{name}.csv"
        case.data.to_csv(csv, index=False)
        script.append(
            _R_CASE.format(
                csv=csv,
                setup=case.r_setup,
                formula=case.r_formula,
                family=case.r_family,
                prior=case.r_prior,
                stan=folder / f"{name}.stan",
                json=folder / f"{name}.json",
            )
        )
    (folder / "brms.R").write_text("\n".join(script))
    subprocess.run(["Rscript", str(folder / "brms.R")], check=True, text=True)
    out = {}
    for name, case in cases.items():
        code = modern_arrays((folder / f"{name}.stan").read_text())
        if case.curve:
            code = with_mu(code)
        inputs = _stanc_info(code)["inputs"]
        raw = json.loads((folder / f"{name}.json").read_text())
        # R writes every value as an array: scalars are arrays of one
        data = {
            key: raw[key][0] if info["dimensions"] == 0 else raw[key]
            for key, info in inputs.items()
        }
        out[name] = (code, data)
    return out


def summaries(draws: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """(mean, sd, mcse of the mean) of every scalar element, by Stan-CSV name."""
    out = {}
    for name, values in draws.items():
        flat = values.reshape(values.shape[0], values.shape[1], -1)
        for k in range(flat.shape[2]):
            v = flat[:, :, k]
            label = name if flat.shape[2] == 1 else f"{name}[{k + 1}]"
            mcse = float(np.asarray(az.mcse(v, method="mean")).item())
            out[label] = (float(v.mean()), float(v.std(ddof=1)), mcse)
    return out


@dataclass(frozen=True)
class Agreement:
    """The comparison of one case: per shared parameter, z and the sd ratio."""

    name: str
    rows: list[tuple[str, float, float, float, float]]  # parameter, means, z, sd ratio

    @property
    def largest_z(self) -> float:
        return max(abs(r[3]) for r in self.rows)

    @property
    def sd_ratios(self) -> tuple[float, float]:
        ratios = [r[4] for r in self.rows]
        return min(ratios), max(ratios)

    @property
    def agrees(self) -> bool:
        low, high = self.sd_ratios
        return self.largest_z <= 3.5 and 0.8 <= low and high <= 1.25


# Parameters whose values depend on the basis of a smooth or GP (compared by the curve).
_BASIS = ("bs", "s_", "zs_", "zgp_", "mu_curve")


def compare(name: str, case: Case, program: tuple[str, dict[str, Any]], draws: int) -> Agreement:
    code, data = program
    reference = compile_model(code, backend="embedded", show_progress=False)
    theirs = reference.sample(
        data, chains=2, iter_warmup=draws, iter_sampling=draws, seed=1, show_progress=False
    )
    fit = bm.brm(
        case.formula,
        case.data,
        family=case.family,
        prior=case.prior,
        stanvars=case.stanvars,
        chains=2,
        iter=2 * draws,
        seed=2,
        show_progress=False,
    )
    ours_summary = summaries(fit.draws.variables())
    # brms 2.18 declares each smooth's sds as scalars sds_1_1, sds_1_2 (pybrms: the
    # vector sds_1, whose one element is named sds_1)
    theirs_summary = {}
    for p, v in summaries(theirs.variables()).items():
        vector = re.sub(r"^sds_(\d+)_(\d+)$", r"sds_\1[\2]", p)
        theirs_summary[vector if vector in ours_summary else vector.removesuffix("[1]")] = v
    # chol_cor of a time-series covariance is a function of ar, ma or cosy; its far-lag
    # elements (ar^50) are near 0 with heavy tails, whose sd ratio says nothing
    skipped = ("lp__", "lprior", "z_", "zme_", "Xme_", "chol_cor", *(_BASIS if case.curve else ()))
    shared = [p for p in ours_summary if p in theirs_summary and not p.startswith(skipped)]
    print(f"\n{name}: {case.r_formula} ({case.r_family}), {len(shared)} shared parameters")
    print(f"{'parameter':>28} {'pybrms':>9} {'brms':>9} {'z':>6} {'sd ratio':>9}")
    rows = []
    for p in shared:
        (m1, s1, e1), (m2, s2, e2) = ours_summary[p], theirs_summary[p]
        if s1 == 0 and s2 == 0:
            continue  # a constant (e.g. a fixed disc)
        z = (m1 - m2) / np.hypot(e1, e2)
        rows.append((p, m1, m2, z, s1 / s2))
        print(f"{p:>28} {m1:>9.4f} {m2:>9.4f} {z:>6.2f} {s1 / s2:>9.3f}")
    if case.curve:
        # mu at each row: pybrms's (chains, draws, N) against brms's mu_curve
        ours = fit.posterior_linpred().reshape(2, draws, -1)
        curve = theirs.variables()["mu_curve"]
        for n in range(ours.shape[2]):
            a, b = ours[:, :, n], curve[:, :, n]
            mcse = np.hypot(*(np.asarray(az.mcse(v, method="mean")).item() for v in (a, b)))
            z = (a.mean() - b.mean()) / mcse
            rows.append((f"mu[{n + 1}]", a.mean(), b.mean(), z, a.std(ddof=1) / b.std(ddof=1)))
        share = np.mean([abs(r[3]) > 3 for r in rows if r[0].startswith("mu[")])
        print(f"curve at {ours.shape[2]} rows: share with |z| > 3 {share:.3f}")
    result = Agreement(name, rows)
    low, high = result.sd_ratios
    flag = "" if result.agrees else "  <-- check"
    print(f"{name}: largest |z| {result.largest_z:.2f}, sd ratio {low:.2f}-{high:.2f}{flag}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases", nargs="*", default=["*"], help="case names or patterns such as 'hurdle_*'"
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    options = parser.parse_args()
    chosen = {
        name: case
        for name, case in CASES.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in options.cases)
    }
    if options.list or not chosen:
        for name, case in CASES.items():
            print(f"{name:>28}  {case.r_formula}  ({case.r_family})")
        return
    with tempfile.TemporaryDirectory(prefix="brms-agreement-") as folder:
        programs = brms_programs(chosen, Path(folder))
    ours = [
        bm.stancode(c.formula, c.data, family=c.family, prior=c.prior, stanvars=c.stanvars)
        for c in chosen.values()
    ]
    # brms's and pybrms's programs compiled together, in batches sharing one compiler run
    precompile([code for code, _ in programs.values()] + ours, backend="embedded")
    results = [compare(name, case, programs[name], options.draws) for name, case in chosen.items()]
    print("\n| case | largest abs(z) | sd ratio | N | draws |\n|---|---|---|---|---|")
    for (name, case), result in zip(chosen.items(), results, strict=True):
        low, high = result.sd_ratios
        print(
            f"| {name} | {result.largest_z:.2f} | {low:.2f}-{high:.2f} | {len(case.data)} | "
            f"{2 * options.draws} |"
        )


if __name__ == "__main__":
    main()
