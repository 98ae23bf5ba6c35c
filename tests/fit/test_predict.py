"""Post-processing over draws: log-likelihood, linear predictors, predictions, new data.

The strong check: for one model per family (the shared cases of
``tests/codegen/model_cases.py``), the sum over rows of :func:`log_lik` equals the
likelihood term of the compiled Stan program, ``log_prob`` with
``prior_only = 0`` minus ``log_prob`` with ``prior_only = 1``, at unconstrained
points obtained from posterior draws. The unconstraining transform used for that
is itself checked against the sampler's ``lp__``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from model_cases import (
    AC_MODELS,
    ADDITION_MODELS,
    FAMILY_MODELS,
    FIXED_MODELS,
    MISSING_MODELS,
    MV_MODELS,
    SUBSET_MODELS,
    TIME_COV_MODELS,
    Case,
    synthetic_data,
)
from scipy import integrate, special, stats

from pybrms.backends import CompiledModel, compile_model
from pybrms.codegen import render
from pybrms.draws import Draws
from pybrms.errors import DataError, SpecError
from pybrms.fit.multivariate import mv_log_lik, mv_posterior_epred, mv_posterior_predict
from pybrms.fit.predict import (
    linear_predictors,
    log_lik,
    posterior_epred,
    posterior_linpred,
    posterior_predict,
)
from pybrms.fit.summary import summarize
from pybrms.formula.expressions import python_code
from pybrms.spec import MvSpec, build_model, build_spec, family
from pybrms.spec.families import LINKS
from pybrms.spec.model_spec import ModelSpec, Predictor
from pybrms.spec.terms import (
    Covariates,
    GaussianProcess,
    MeasurementError,
    MonotonicEffects,
    MultiMembershipEffects,
    Offset,
    SmoothTerms,
)
from pybrms.standata import make_standata


@dataclass(frozen=True)
class Fit:
    """A tiny real fit of one shared model case."""

    case: Case
    spec: ModelSpec
    model: CompiledModel
    standata: dict[str, Any]
    draws: Draws

    @property
    def variables(self) -> dict[str, np.ndarray]:
        return self.draws.variables()


def stan_programs() -> list[str]:
    """The programs of every fitted case (compiled at the session's start, tests/conftest.py)."""
    return [
        render(case_spec(case))
        for case in (
            *FAMILY_MODELS,
            *ADDITION_MODELS,
            *AC_MODELS,
            *MV_MODELS,
            *FIXED_MODELS,
            *MISSING_MODELS,
            *TIME_COV_MODELS,
        )
    ]


@pytest.fixture(scope="module", params=FAMILY_MODELS, ids=lambda c: c.id)
def fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


def case_spec(case: Case) -> ModelSpec | MvSpec:
    """The model of ``case`` on the shared synthetic data."""
    return build_model(case.formula, synthetic_data(), case.family, case.prior, data2=case.data2)


def tiny_fit(case: Case) -> Fit:
    """Compile and sample ``case`` on the shared synthetic data, briefly."""
    spec = case_spec(case)
    model = compile_model(render(spec), show_progress=False)
    standata = make_standata(spec)
    draws = model.sample(
        standata, chains=1, iter_warmup=200, iter_sampling=100, seed=3, show_progress=False
    )
    return Fit(case, spec, model, standata, draws)


def flat(variables: dict[str, np.ndarray], name: str) -> np.ndarray:
    value = variables[name]
    return value.reshape(-1, *value.shape[2:])


# ---------------------------------------------------------------------------
# Constrained draws -> Stan's unconstrained parameter vector (declaration order)
# ---------------------------------------------------------------------------


def cholesky_corr_free(L: np.ndarray) -> np.ndarray:
    """Stan's inverse transform of ``cholesky_factor_corr``, ``(S, K, K) -> (S, K(K-1)/2)``."""
    out = []
    for i in range(1, L.shape[1]):
        sum_sqs = np.zeros(L.shape[0])
        for j in range(i):
            out.append(np.arctanh(L[:, i, j] / np.sqrt(1.0 - sum_sqs)))
            sum_sqs = sum_sqs + L[:, i, j] ** 2
    return np.stack(out, axis=1)


def simplex_free(x: np.ndarray) -> np.ndarray:
    """Stan's inverse stick-breaking transform of ``simplex[K]``, ``(S, K) -> (S, K - 1)``
    (Stan 2.35, as shipped by httpstan 4.13; test_unconstrain_reproduces_lp checks it)."""
    K = x.shape[1]
    left = 1.0 - np.cumsum(x, axis=1) + x  # the stick left before element k
    z = x[:, :-1] / left[:, :-1]
    return special.logit(z) + np.log(K - np.arange(1, K))


# One declaration of the parameters block: optional array dims, type, bounds, dims, name.
_DECLARATION = re.compile(
    r"(?P<array>array\[.*?\]\s+)?(?P<type>\w+)(?:<(?P<bounds>[^>]*)>)?(?:\[.*\])?\s+(?P<name>\w+);"
)


def parameter_declarations(code: str) -> list[tuple[str, str, str]]:
    """``(type, bounds, name)`` of each parameter of a Stan program, in declaration order."""
    block = code.split("\nparameters {\n", 1)[1].split("\n}\n", 1)[0]
    lines = (line.split("//", 1)[0].strip() for line in block.splitlines())
    out = []
    for line in filter(None, lines):
        match = _DECLARATION.fullmatch(line)
        assert match, f"unexpected declaration {line!r}"
        out.append((match["type"], match["bounds"] or "", match["name"]))
    return out


# The transformed data a bound may read: brms's min_Y, the smallest response
_RESPONSE_MIN = re.compile(r"^  real (\w+) = min\((\w+)\);$", re.MULTILINE)


def bounded_free(x: np.ndarray, bounds: str, standata: dict[str, Any]) -> np.ndarray:
    """Stan's inverse transform of ``<lower=.., upper=..>``; a bound is a number, a
    data variable or ``min_Y`` (in ``standata`` through :func:`with_response_minima`)."""
    limits = dict(part.strip().split("=") for part in bounds.split(",") if part.strip())
    assert set(limits) <= {"lower", "upper"}, f"unexpected bounds <{bounds}>"
    value = {k: float(standata[v]) if v in standata else float(v) for k, v in limits.items()}
    lb, ub = value.get("lower"), value.get("upper")
    if lb is not None and ub is not None:
        return special.logit((x - lb) / (ub - lb))
    if lb is not None:
        return np.log(x - lb)
    return x if ub is None else np.log(ub - x)


def with_response_minima(code: str, standata: dict[str, Any]) -> dict[str, Any]:
    """``standata`` and the smallest responses the program computes (``min_Y``)."""
    return standata | {name: np.min(standata[y]) for name, y in _RESPONSE_MIN.findall(code)}


def unconstrain(
    code: str, standata: dict[str, Any], variables: dict[str, np.ndarray]
) -> np.ndarray:
    """Unconstrained points ``(S, dim)``: each parameter of the program's parameters
    block, in declaration order, through Stan's inverse transform of its type."""
    standata = with_response_minima(code, standata)
    parts = []
    for kind, bounds, name in parameter_declarations(code):
        x = flat(variables, name)
        if kind == "simplex":
            parts.append(simplex_free(x))
        elif kind == "cholesky_factor_corr":  # an array of them (gr(g, by = f)) element-wise
            factors = x if x.ndim == 3 else np.swapaxes(x, 0, 1)
            parts += [cholesky_corr_free(L) for L in ([factors] if x.ndim == 3 else factors)]
        elif kind == "ordered":
            parts.append(np.concatenate([x[:, :1], np.log(np.diff(x, axis=1))], axis=1))
        else:
            assert kind in ("real", "vector", "matrix"), f"unexpected type {kind!r} of {name}"
            if kind == "matrix":  # Stan orders a matrix's elements column by column
                x = np.swapaxes(x, 1, 2)
            parts.append(bounded_free(x.reshape(len(x), -1), bounds, standata))
    return np.concatenate(parts, axis=1)


def subset(variables: dict[str, np.ndarray], draws: slice) -> dict[str, np.ndarray]:
    return {name: value[:, draws] for name, value in variables.items()}


@pytest.mark.stan
def test_unconstrain_reproduces_lp(fit: Fit):
    """The test's own transform is right: log_prob at the draws' points equals lp__."""
    some = slice(0, 100, 25)
    points = unconstrain(fit.model.stan_code, fit.standata, subset(fit.variables, some))
    assert points.shape[1] == fit.model.num_unconstrained(fit.standata)
    lp = fit.model.log_prob(fit.standata, points, jacobian=True).lp
    np.testing.assert_allclose(lp, fit.draws.column("lp__")[0, some], rtol=1e-7)


@pytest.mark.stan
def test_log_lik_sums_to_stan_likelihood(fit: Fit):
    check_log_lik_sums_to_stan_likelihood(fit)


def check_log_lik_sums_to_stan_likelihood(fit: Fit) -> None:
    """Summed over rows, log_lik is Stan's likelihood term at 20 posterior draws."""
    some = slice(0, 100, 5)
    variables = subset(fit.variables, some)
    points = unconstrain(fit.model.stan_code, fit.standata, variables)
    with_lik = fit.model.log_prob(fit.standata, points, jacobian=False).lp
    prior_only = fit.model.log_prob({**fit.standata, "prior_only": 1}, points, jacobian=False).lp
    got = log_lik(fit.spec, variables).sum(axis=1)
    np.testing.assert_allclose(got, with_lik - prior_only, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------
# An independent log-likelihood: Stan's centered predictors and parametrizations
# ---------------------------------------------------------------------------


def stan_eta(p: Predictor, sd: dict[str, Any], v: dict[str, np.ndarray]) -> np.ndarray:
    """The linear predictor as the Stan program computes it (centered X, Intercept, r[J])."""
    eta = np.zeros((len(v["lprior"].ravel()), sd["N"]))
    f = p.fixed
    if f is not None and f.coefs:
        X = sd[f.stan("X")][:, 1:] if f.intercept_column and f.intercept else sd[f.stan("X")]
        Xc = X - X.mean(axis=0) if f.intercept else X
        eta += flat(v, f.stan("b")) @ Xc.T
    if f is not None and f.intercept and not f.thresholds:
        eta += flat(v, f.stan("Intercept"))[:, np.newaxis]
    for offset in (t for t in p.terms if isinstance(t, Offset)):
        eta += sd[offset.stan("offsets")]
    for mo in (t for t in p.terms if isinstance(t, MonotonicEffects)):
        for j, (_, ks, c) in enumerate(mo.numbered):  # bsp[j] * prod_k mo(simo_k) * Csp_c
            effect = flat(v, mo.stan("bsp"))[:, j, np.newaxis]
            for i, r, J in mo.varying:  # brms's (bsp[j] + r_1_2[J_1[n]])
                effect = effect + (flat(v, r)[:, sd[J] - 1] if i == j + 1 else 0.0)
            for k in ks:  # brms's mo(simo, i) = D * sum(simo[1:i]), row by row
                simo, codes = flat(v, mo.stan("simo", k)), sd[mo.stan("Xmo", k)]
                D = sd[mo.stan("Jmo")][k - 1]
                effect = effect * np.stack([D * simo[:, :i].sum(axis=1) for i in codes], axis=1)
            eta += effect if c is None else effect * sd[mo.stan("Csp", c)]
    if any(isinstance(t, MeasurementError) for t in p.terms):
        eta += flat(v, "bsp")[:, :1] * flat(v, "Xme_1")  # brms's bsp[1] * Xme_1[n]
    for sm in (t for t in p.terms if isinstance(t, SmoothTerms)):
        if sm.stan("Ks") in sd:
            eta += flat(v, sm.stan("bs")) @ sd[sm.stan("Xs")].T
        for i, _ in sm.numbered:  # s_i_j = sds_i[j] * zs_i_j on columns Zs_i_j
            for j in range(1, int(sd[sm.stan("nb", i)]) + 1):
                sds = flat(v, sm.stan("sds", i))[:, j - 1, np.newaxis]
                s_ij = sds * flat(v, sm.stan("zs", i, j))
                eta += s_ij @ sd[sm.stan("Zs", i, j)].T
    for gp in (t for t in p.terms if isinstance(t, GaussianProcess)):
        eta += stan_gp(gp, sd, v)
    for g in p.groups:
        if isinstance(g, MultiMembershipEffects):
            eta += stan_multi_membership(g, sd, v)
            continue
        J = sd[g.stan("J")] - 1
        for r, z in zip(g.r, g.Z, strict=False):  # mo() terms, without Z, come last
            eta += flat(v, r)[:, J] * sd[z]
    return eta


def stan_multi_membership(
    g: MultiMembershipEffects, sd: dict[str, Any], v: dict[str, np.ndarray]
) -> np.ndarray:
    """brms's ``sum_k W_id_k * r_id_c[J_id_k] * Z_id_c_k`` over members ``k``, per coefficient."""
    eta = 0.0
    for c, r in enumerate(g.r, start=g.first + 1):
        for k in range(1, len(g.factors) + 1):
            J = sd[f"J_{g.id}_{k}"] - 1
            eta = eta + flat(v, r)[:, J] * sd[f"W_{g.id}_{k}"] * sd[f"Z_{g.id}_{c}_{k}"]
    return eta


def stan_nonlinear(p: Predictor, sd: dict[str, Any], d: dict[str, np.ndarray]) -> np.ndarray:
    """A non-linear expression evaluated by Python (test code only) with numpy's functions,
    from the non-linear parameters' predictors and the covariates ``C_k`` as Stan has them."""
    assert p.nonlinear is not None
    covariates = next((t for t in p.terms if isinstance(t, Covariates)), None)
    names = {n: d[n] for n in p.nonlinear.nlpars}
    if covariates is not None:
        names |= {n: sd[a.name] for n, a in zip(covariates.names, covariates.args, strict=True)}
    code = python_code(p.nonlinear.source)
    return eval(code, {"__builtins__": {}, "exp": np.exp, "log": np.log}, names)  # noqa: S307


def stan_gp(gp: GaussianProcess, sd: dict[str, Any], v: dict[str, np.ndarray]) -> np.ndarray:
    """A GP as brms's Stan functions compute it: exact, ``chol(K + 1e-12 I) zgp`` with the
    exponentiated-quadratic ``K``; approximate, the basis times ``sqrt(spd) .* zgp``; summed
    over the GPs of the levels of a factor ``by`` (lengthscales level by level)."""
    sdgp, lscale = flat(v, gp.stan("sdgp")), flat(v, gp.stan("lscale"))
    n_ls = lscale.shape[1] // sd[gp.stan("Kgp")]
    eta = 0.0
    for j in range(1, sd[gp.stan("Kgp")] + 1):
        z, ls_j = flat(v, gp.stan("zgp", j)), lscale[:, (j - 1) * n_ls : j * n_ls]
        out = []
        for s in range(len(z)):
            if gp.approximate:
                slambda = sd[gp.stan("slambda", j)]
                D = slambda.shape[1]
                ls = np.broadcast_to(ls_j[s], D)
                spd = sdgp[s, j - 1] ** 2 * np.sqrt(2 * np.pi) ** D * ls.prod()
                spd = spd * np.exp(-0.5 * ((ls * slambda) ** 2).sum(axis=1))
                out.append(sd[gp.stan("Xgp", j)] @ (np.sqrt(spd) * z[s]))
            else:
                x = sd[gp.stan("Xgp", j)]
                sq = ((x[:, np.newaxis, :] - x[np.newaxis, :, :]) / ls_j[s]) ** 2
                K = sdgp[s, j - 1] ** 2 * np.exp(-0.5 * sq.sum(axis=-1)) + 1e-12 * np.eye(len(x))
                out.append(np.linalg.cholesky(K) @ z[s])
        f = np.array(out)[:, sd[gp.stan("Jgp", j)] - 1]
        cgp = gp.stan("Cgp", j)
        eta = eta + (f * sd[cgp] if cgp in sd else f)
    return np.asarray(eta)


def neg_binomial_2_log(y: np.ndarray, eta: np.ndarray, log_phi: np.ndarray) -> np.ndarray:
    """Stan's ``neg_binomial_2_log_lpmf``, with ``lgamma(y + phi) - lgamma(phi)`` written
    as ``sum(log(phi + k), k < y)``: exact for the shapes of up to 1e12 seen here."""
    mu, phi = np.exp(eta), np.exp(log_phi)
    rising = sum(np.where(k < y, np.log(phi + k), 0.0) for k in range(int(y.max())))
    return rising - special.gammaln(y + 1) - phi * np.log1p(mu / phi) + y * (eta - np.log(mu + phi))


def dpar_value(d: dict[str, np.ndarray], sd: dict[str, Any], name: str, inverse) -> np.ndarray:
    """``d[name]`` on its natural scale: the inverse link of its linear predictor when it
    has a formula (one value per row, ``(S, N)``, even for ``~ 1``), else the draws
    themselves (``(S, 1)``)."""
    return inverse(d[name]) if d[name].shape[1] == sd["N"] > 1 else d[name]


def zero_inflated(log_p: np.ndarray, log_p0: np.ndarray, zi: np.ndarray, y: np.ndarray):
    """Mixture of a point mass at 0 (probability ``zi``) and a count distribution."""
    zero = np.log(zi + (1 - zi) * np.exp(log_p0))
    return np.where(y == 0, zero, np.log1p(-zi) + log_p)


def hurdle(log_p: np.ndarray, log_p0: np.ndarray, hu: np.ndarray, y: np.ndarray):
    """Zeros with probability ``hu``, else the count distribution truncated at 0."""
    positive = np.log1p(-hu) + log_p - np.log1p(-np.exp(log_p0))
    return np.where(y == 0, np.log(hu) + 0 * positive, positive)


def negbinomial_parts(y, d, sd):
    """Log density and log P(0) of the negative binomial with log link."""
    log_phi = np.log(dpar_value(d, sd, "shape", np.exp))
    phi = np.exp(log_phi)
    log_p0 = phi * (log_phi - np.log(np.exp(d["mu"]) + phi))
    return neg_binomial_2_log(y, d["mu"], log_phi), log_p0


def poisson_parts(y, d):
    mu = np.exp(d["mu"])
    return stats.poisson(mu).logpmf(y), -mu


def skew_normal(y, d, sd):
    """Stan's ``skew_normal_lpdf`` at brms's location and scale from mean and sd."""
    sigma = dpar_value(d, sd, "sigma", np.exp)
    alpha = dpar_value(d, sd, "alpha", lambda eta: eta)
    delta = alpha / np.sqrt(1 + alpha**2)
    omega = sigma / np.sqrt(1 - 2 / np.pi * delta**2)
    xi = d["mu"] - omega * delta * np.sqrt(2 / np.pi)
    z = (y - xi) / omega
    return np.log(2) + stats.norm.logpdf(z) - np.log(omega) + stats.norm.logcdf(alpha * z)


def weibull(y, d, sd):
    shape = dpar_value(d, sd, "shape", np.exp)
    return stats.weibull_min(shape, scale=np.exp(d["mu"]) / special.gamma(1 + 1 / shape)).logpdf(y)


# The distribution function of each ordinal link, from scipy.
LATENT_DISTRIBUTIONS = {
    "logit": stats.logistic,
    "probit": stats.norm,
    "cloglog": stats.gumbel_l,
    "cauchit": stats.cauchy,
}


def ordinal_probs(family: str, d) -> np.ndarray:
    """Category probabilities ``(S, N, K)`` from each family's definition (brms's
    ``d<family>``), with ``disc`` 1 unless predicted (through a log link)."""
    latent = d["latent"]
    cdf = latent.cdf
    disc = np.exp(d["disc"])[:, :, np.newaxis] if "disc" in d else 1.0
    # thresholds (S, T), or (S, N, T) shifted by category-specific effects
    t = d["Intercept"] if d["Intercept"].ndim == 3 else d["Intercept"][:, np.newaxis, :]
    eta = d["mu"][:, :, np.newaxis]
    S, N, T = eta.shape[0], eta.shape[1], t.shape[-1]
    probs = np.zeros((S, N, T + 1))
    if family == "cumulative":
        F = cdf(disc * (t - eta))
        for k in range(T + 1):
            upper = F[..., k] if k < T else 1.0
            lower = F[..., k - 1] if k > 0 else 0.0
            probs[..., k] = upper - lower
    elif family in ("sratio", "cratio"):
        # stop at k with probability s_k once there
        stop = cdf(disc * (t - eta)) if family == "sratio" else 1 - cdf(disc * (eta - t))
        reached = np.ones((S, N))
        for k in range(T):
            probs[..., k] = reached * stop[..., k]
            reached = reached * (1 - stop[..., k])
        probs[..., T] = reached
    else:  # acat: odds of moving one category up, in logs (unordered thresholds can
        # put F at 1 in floating point)
        x = disc * (eta - t)
        log_odds = latent.logcdf(x) - latent.logsf(x)
        log_weights = np.concatenate([np.zeros((S, N, 1)), np.cumsum(log_odds, axis=-1)], -1)
        probs = np.exp(log_weights - special.logsumexp(log_weights, axis=-1, keepdims=True))
    return probs


def ordinal_oracle(family: str):
    def oracle(y, d, sd):
        probs = ordinal_probs(family, d)
        return np.log(np.take_along_axis(probs, (y - 1)[np.newaxis, :, np.newaxis], -1)[..., 0])

    return oracle


def exgaussian(y, d, sd):
    sigma = dpar_value(d, sd, "sigma", np.exp)
    beta = dpar_value(d, sd, "beta", np.exp)
    return stats.exponnorm(beta / sigma, loc=d["mu"] - beta, scale=sigma).logpdf(y)


def frechet(y, d, sd):
    nu = dpar_value(d, sd, "nu", lambda eta: np.exp(eta) + 1)
    scale = np.exp(d["mu"]) / special.gamma(1 - 1 / nu)
    return stats.invweibull(nu, scale=scale).logpdf(y)


def von_mises(y, d, sd):
    kappa = dpar_value(d, sd, "kappa", np.exp)
    return stats.vonmises(kappa, loc=2 * np.arctan(d["mu"])).logpdf(y)


def point_mass(log_p: np.ndarray, p: np.ndarray, y: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Values in ``mass`` with probability ``p``, else the continuous density ``log_p``."""
    return np.where(mass, np.log(p) + 0 * log_p, np.log1p(-p) + log_p)


def beta_inside(y, d, sd):
    """The beta log density at the values strictly between 0 and 1 (others set to 0.5)."""
    mu, phi = special.expit(d["mu"]), dpar_value(d, sd, "phi", np.exp)
    return stats.beta(mu * phi, (1 - mu) * phi).logpdf(np.where((y > 0) & (y < 1), y, 0.5))


def zero_one_inflated_beta(y, d, sd):
    zoi = dpar_value(d, sd, "zoi", special.expit)
    coi = dpar_value(d, sd, "coi", special.expit)
    ends = np.log(np.where(y == 1, coi, 1 - coi))
    return point_mass(beta_inside(y, d, sd), zoi, y, (y == 0) | (y == 1)) + np.where(
        (y == 0) | (y == 1), ends, 0.0
    )


def hurdle_gamma(y, d, sd):
    shape = dpar_value(d, sd, "shape", np.exp)
    log_p = stats.gamma(shape, scale=np.exp(d["mu"]) / shape).logpdf(np.where(y > 0, y, 1.0))
    return point_mass(log_p, dpar_value(d, sd, "hu", special.expit), y, y == 0)


def hurdle_lognormal(y, d, sd):
    log_y = np.log(np.where(y > 0, y, 1.0))
    log_p = stats.norm(d["mu"], dpar_value(d, sd, "sigma", np.exp)).logpdf(log_y) - log_y
    return point_mass(log_p, dpar_value(d, sd, "hu", special.expit), y, y == 0)


def zero_inflated_binomial(y, d, sd):
    theta = special.expit(d["mu"])
    log_p = stats.binom(sd["trials"], theta).logpmf(y)
    zi = dpar_value(d, sd, "zi", special.expit)
    return zero_inflated(log_p, sd["trials"] * np.log1p(-theta), zi, y)


def beta_binomial(y, d, sd):
    mu, phi = special.expit(d["mu"]), dpar_value(d, sd, "phi", np.exp)
    return stats.betabinom(sd["trials"], mu * phi, (1 - mu) * phi).logpmf(y)


def category_etas(d) -> np.ndarray:
    """The linear predictors of all categories ``(S, N, K)``, the first category's 0."""
    etas = [value for name, value in d.items() if name.startswith("mu")]
    return np.stack([np.zeros_like(etas[0]), *etas], axis=-1)


def categorical(y, d, sd):
    """``log P(Y = y)`` of the softmax of the categories' linear predictors."""
    probs = np.exp(category_etas(d))
    probs /= probs.sum(axis=-1, keepdims=True)
    return np.log(probs[:, np.arange(len(y)), y - 1])


def multinomial(y, d, sd):
    return stats.multinomial.logpmf(y, sd["trials"], special.softmax(category_etas(d), axis=-1))


def dirichlet(y, d, sd):
    """scipy's dirichlet density row by row at ``softmax(eta) * phi``."""
    phi = dpar_value(d, sd, "phi", np.exp)
    mu = {name: eta for name, eta in d.items() if name != "phi"}
    alpha = special.softmax(category_etas(mu), axis=-1) * phi[..., np.newaxis]
    return np.array([[stats.dirichlet.logpdf(y[n], a[n]) for n in range(len(y))] for a in alpha])


def gen_extreme_value(y, d, sd):
    """brms's ``dgen_extreme_value`` (xi is not 0 at continuous draws)."""
    sigma, xi = dpar_value(d, sd, "sigma", np.exp), dpar_value(d, sd, "xi", np.expm1)
    t = 1 + xi * (y - d["mu"]) / sigma
    return -np.log(sigma) - (1 + 1 / xi) * np.log(t) - t ** (-1 / xi)


ORACLES: dict[str, Callable[..., np.ndarray]] = {
    "gaussian": lambda y, d, sd: stats.norm(d["mu"], dpar_value(d, sd, "sigma", np.exp)).logpdf(y),
    "student": lambda y, d, sd: stats.t(
        dpar_value(d, sd, "nu", lambda eta: np.exp(eta) + 1), d["mu"], d["sigma"]
    ).logpdf(y),
    "poisson": lambda y, d, sd: stats.poisson(np.exp(d["mu"])).logpmf(y),
    "negbinomial": lambda y, d, sd: negbinomial_parts(y, d, sd)[0],
    "bernoulli": lambda y, d, sd: (
        y * special.log_expit(d["mu"]) + (1 - y) * special.log_expit(-d["mu"])
    ),
    "binomial": lambda y, d, sd: stats.binom(sd["trials"], special.expit(d["mu"])).logpmf(y),
    "lognormal": lambda y, d, sd: (
        stats.norm(d["mu"], np.exp(d["sigma"])).logpdf(np.log(y)) - np.log(y)
    ),
    "gamma": lambda y, d, sd: stats.gamma(d["shape"], scale=np.exp(d["mu"]) / d["shape"]).logpdf(y),
    "beta": lambda y, d, sd: stats.beta(
        special.expit(d["mu"]) * np.exp(d["phi"]), (1 - special.expit(d["mu"])) * np.exp(d["phi"])
    ).logpdf(y),
    "cumulative": ordinal_oracle("cumulative"),
    "zero_inflated_poisson": lambda y, d, sd: zero_inflated(
        *poisson_parts(y, d), dpar_value(d, sd, "zi", special.expit), y
    ),
    "hurdle_poisson": lambda y, d, sd: hurdle(
        *poisson_parts(y, d), dpar_value(d, sd, "hu", special.expit), y
    ),
    "zero_inflated_negbinomial": lambda y, d, sd: zero_inflated(
        *negbinomial_parts(y, d, sd), dpar_value(d, sd, "zi", special.expit), y
    ),
    "hurdle_negbinomial": lambda y, d, sd: hurdle(
        *negbinomial_parts(y, d, sd), dpar_value(d, sd, "hu", special.expit), y
    ),
    "exponential": lambda y, d, sd: stats.expon(scale=np.exp(d["mu"])).logpdf(y),
    "weibull": weibull,
    "skew_normal": skew_normal,
    "shifted_lognormal": lambda y, d, sd: (
        stats.norm(d["mu"], np.exp(d["sigma"])).logpdf(np.log(y - d["ndt"])) - np.log(y - d["ndt"])
    ),
    "sratio": ordinal_oracle("sratio"),
    "cratio": ordinal_oracle("cratio"),
    "acat": ordinal_oracle("acat"),
    "exgaussian": exgaussian,
    "frechet": frechet,
    "von_mises": von_mises,
    "zero_inflated_binomial": zero_inflated_binomial,
    "zero_inflated_beta": lambda y, d, sd: point_mass(
        beta_inside(y, d, sd), dpar_value(d, sd, "zi", special.expit), y, y == 0
    ),
    "zero_one_inflated_beta": zero_one_inflated_beta,
    "hurdle_gamma": hurdle_gamma,
    "hurdle_lognormal": hurdle_lognormal,
    "beta_binomial": beta_binomial,
    "geometric": lambda y, d, sd: neg_binomial_2_log(y, d["mu"], np.zeros_like(d["mu"])),
    "categorical": categorical,
    "multinomial": multinomial,
    "dirichlet": dirichlet,
    "mixture": lambda y, d, sd: mixture(y, d, sd),
    "gen_extreme_value": gen_extreme_value,
}


def mixture(y, d, sd):
    """The mixtures of MIXTURE_MODELS: log-sum-exp of log proportion plus component density;
    predicted proportions are log-odds of component 2 against component 1."""
    if d["theta2"].shape[1] == sd["N"] > 1:
        log_theta = (-np.logaddexp(0, d["theta2"]), d["theta2"] - np.logaddexp(0, d["theta2"]))
    else:
        log_theta = (np.log(d["theta1"]), np.log(d["theta2"]))
    if "sigma1" in d:  # two gaussians, sigma2 predicted
        first = stats.norm(d["mu1"], d["sigma1"]).logpdf(y)
        second = stats.norm(d["mu2"], dpar_value(d, sd, "sigma2", np.exp)).logpdf(y)
    else:  # poisson and negbinomial
        first = ORACLES["poisson"](y, {"mu": d["mu1"]}, sd)
        second = ORACLES["negbinomial"](y, {"mu": d["mu2"], "shape": d["shape2"]}, sd)
    return np.logaddexp(log_theta[0] + first, log_theta[1] + second)


@pytest.mark.stan
def test_log_lik_matches_scipy_at_draws(fit: Fit):
    """Stan-style predictors (links spelled out per case) with scipy densities.

    Tolerances allow for the 9 significant digits of the draws in the Stan CSV: the
    predictors are computed from rounded draws in two ways (centered or not), and a log
    density near 0 can be the sum of terms of order 1 with errors of order 1e-8.
    """
    v, sd = fit.variables, fit.standata
    d = {p.dpar: stan_eta(p, sd, v) for p in fit.spec.predictors}
    d |= {p.dpar: stan_nonlinear(p, sd, d) for p in fit.spec.predictors if p.nonlinear}
    d |= {s.name: flat(v, s.name)[:, np.newaxis] for s in fit.spec.scalar_dpars}
    thetas = (f"theta{k}" for k in range(1, fit.spec.theta_simplex + 1))
    d |= {theta: flat(v, theta)[:, np.newaxis] for theta in thetas}
    if fit.spec.response.nthres:
        d["Intercept"] = flat(v, "Intercept")
        if "Xcs" in sd:  # brms's thres - transpose(mucs[n]), mucs = Xcs * bcs
            mucs = np.einsum("nk,skt->snt", sd["Xcs"], flat(v, "bcs"))
            d["Intercept"] = d["Intercept"][:, np.newaxis, :] - mucs
        d["latent"] = LATENT_DISTRIBUTIONS[fit.spec.family.link.name]
    expected = ORACLES[fit.spec.family.name](sd["Y"], d, sd) * sd.get("weights", 1.0)
    np.testing.assert_allclose(log_lik(fit.spec, v), expected, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# Expected values, new data, predictions
# ---------------------------------------------------------------------------


def dpar(etas: dict[str, np.ndarray], v: dict[str, np.ndarray], name: str, inverse) -> np.ndarray:
    """A parameter from its linear predictor, or its draws when estimated as one value."""
    return inverse(etas[name]) if name in etas else flat(v, name)[:, np.newaxis]


def hurdle_poisson_mean(eta, etas, sd, v):
    mu = np.exp(eta)
    return (1 - dpar(etas, v, "hu", special.expit)) * mu / (1 - np.exp(-mu))


def hurdle_negbinomial_mean(eta, etas, sd, v):
    mu, shape = np.exp(eta), dpar(etas, v, "shape", np.exp)
    p0 = (shape / (mu + shape)) ** shape
    return (1 - dpar(etas, v, "hu", special.expit)) * mu / (1 - p0)


# Expected value of each family as a function of the linear predictors (eta, dpar etas),
# the Stan data and the draws.
Mean = Callable[[np.ndarray, dict[str, np.ndarray], dict[str, Any], dict[str, Any]], np.ndarray]
MEANS: dict[str, Mean] = {
    "gaussian": lambda eta, etas, sd, v: eta,
    "student": lambda eta, etas, sd, v: eta,
    "poisson": lambda eta, etas, sd, v: np.exp(eta),
    "negbinomial": lambda eta, etas, sd, v: np.exp(eta),
    "bernoulli": lambda eta, etas, sd, v: special.expit(eta),
    "binomial": lambda eta, etas, sd, v: sd["trials"] * special.expit(eta),
    "lognormal": lambda eta, etas, sd, v: np.exp(eta + np.exp(etas["sigma"]) ** 2 / 2),
    "gamma": lambda eta, etas, sd, v: np.exp(eta),
    "beta": lambda eta, etas, sd, v: special.expit(eta),
    "zero_inflated_poisson": lambda eta, etas, sd, v: (
        (1 - dpar(etas, v, "zi", special.expit)) * np.exp(eta)
    ),
    "zero_inflated_negbinomial": lambda eta, etas, sd, v: (
        (1 - dpar(etas, v, "zi", special.expit)) * np.exp(eta)
    ),
    "hurdle_poisson": hurdle_poisson_mean,
    "hurdle_negbinomial": hurdle_negbinomial_mean,
    "exponential": lambda eta, etas, sd, v: np.exp(eta),
    "weibull": lambda eta, etas, sd, v: np.exp(eta),
    "skew_normal": lambda eta, etas, sd, v: eta,
    "shifted_lognormal": lambda eta, etas, sd, v: (
        flat(v, "ndt")[:, np.newaxis] + np.exp(eta + np.exp(etas["sigma"]) ** 2 / 2)
    ),
    "exgaussian": lambda eta, etas, sd, v: eta,
    "frechet": lambda eta, etas, sd, v: np.exp(eta),
    "von_mises": lambda eta, etas, sd, v: 2 * np.arctan(eta),
    "zero_inflated_binomial": lambda eta, etas, sd, v: (
        (1 - dpar(etas, v, "zi", special.expit)) * sd["trials"] * special.expit(eta)
    ),
    "zero_inflated_beta": lambda eta, etas, sd, v: (
        (1 - dpar(etas, v, "zi", special.expit)) * special.expit(eta)
    ),
    "zero_one_inflated_beta": lambda eta, etas, sd, v: (
        dpar(etas, v, "zoi", special.expit) * dpar(etas, v, "coi", special.expit)
        + (1 - dpar(etas, v, "zoi", special.expit)) * special.expit(eta)
    ),
    "hurdle_gamma": lambda eta, etas, sd, v: (1 - dpar(etas, v, "hu", special.expit)) * np.exp(eta),
    "hurdle_lognormal": lambda eta, etas, sd, v: (
        (1 - dpar(etas, v, "hu", special.expit))
        * np.exp(eta + dpar(etas, v, "sigma", np.exp) ** 2 / 2)
    ),
    "beta_binomial": lambda eta, etas, sd, v: sd["trials"] * special.expit(eta),
    "geometric": lambda eta, etas, sd, v: np.exp(eta),
    "mixture": lambda eta, etas, sd, v: mixture_mean(etas, sd, v),
    "gen_extreme_value": lambda eta, etas, sd, v: gen_extreme_value_mean(eta, etas, v),
}


def gen_extreme_value_mean(eta, etas, v):
    """brms's ``mu + sigma * (gamma(1 - xi) - 1) / xi`` (xi below 1 here)."""
    sigma, xi = dpar(etas, v, "sigma", np.exp), dpar(etas, v, "xi", np.expm1)
    return eta + sigma * (special.gamma(1 - xi) - 1) / xi


def mixture_mean(etas, sd, v):
    """Theta-weighted means of the components of MIXTURE_MODELS (all log or identity links)."""
    if "theta2" in etas:
        theta2 = special.expit(etas["theta2"])
        theta = (1 - theta2, theta2)
        means = (etas["mu1"], etas["mu2"])
    else:
        theta = (flat(v, "theta1")[:, np.newaxis], flat(v, "theta2")[:, np.newaxis])
        means = (np.exp(etas["mu1"]), np.exp(etas["mu2"]))
    return theta[0] * means[0] + theta[1] * means[1]


# Families whose expected value is the inverse link of eta.
MEAN_IS_INVERSE_LINK = frozenset(
    {"gaussian", "student", "poisson", "negbinomial", "bernoulli", "gamma", "beta"}
    | {"exponential", "weibull", "skew_normal"}
    | {"exgaussian", "frechet", "von_mises"}
    | {"geometric"}
)


def test_every_link_has_its_numpy_inverse():
    eta = np.linspace(-2.0, 2.0, 9)
    for link in LINKS.values():
        if link.transform is not None:
            np.testing.assert_allclose(link.inverse(link.transform(np.exp(eta))), np.exp(eta))


@pytest.mark.stan
def test_epred_is_the_mean_of_the_family(fit: Fit):
    spec, v = fit.spec, fit.variables
    epred = posterior_epred(spec, v)
    if spec.family.family.per_category:
        probs = np.exp(category_etas(linear_predictors(spec, v)))
        probs /= probs.sum(axis=-1, keepdims=True)
        if "trials" in fit.standata:
            probs *= fit.standata["trials"][:, np.newaxis]
        np.testing.assert_allclose(epred, probs)
        return
    # a mixture has no single mu (brms asks which component's)
    eta = posterior_linpred(spec, v, dpar=spec.predictors[0].dpar)
    if spec.family.family.ordinal:
        assert epred.shape == (100, spec.N, spec.response.nthres + 1)
        np.testing.assert_allclose(epred.sum(axis=-1), 1.0)
        return
    expected = MEANS[spec.family.name](eta, linear_predictors(spec, v), fit.standata, v)
    # atol: a mean near 0 (gen_extreme_value's mu + sigma * (...)) loses relative digits
    np.testing.assert_allclose(epred, expected, rtol=1e-12, atol=1e-12)
    if spec.family.name in MEAN_IS_INVERSE_LINK:
        np.testing.assert_allclose(posterior_linpred(spec, v, transform=True), epred, rtol=1e-12)


@pytest.mark.stan
def test_newdata_equal_to_the_data_reproduces_the_fit(fit: Fit):
    spec, v = fit.spec, fit.variables
    if any(isinstance(t, MeasurementError) for t in spec.terms):
        # as brms, new rows of me(x, sdx) take draws of normal(x, sdx), the fitted
        # rows the latent values' draws (tests/spec/test_measurement_error.py)
        pytest.skip("me(): new rows differ from the fitted ones by design")
    newdata = synthetic_data()
    for name, value in linear_predictors(spec, v).items():
        np.testing.assert_array_equal(linear_predictors(spec, v, newdata)[name], value)
    np.testing.assert_array_equal(log_lik(spec, v, newdata), log_lik(spec, v))
    np.testing.assert_array_equal(posterior_epred(spec, v, newdata), posterior_epred(spec, v))
    np.testing.assert_array_equal(
        posterior_predict(spec, v, newdata, rng=5), posterior_predict(spec, v, rng=5)
    )


def repeat_draws(variables: dict[str, np.ndarray], times: int) -> dict[str, np.ndarray]:
    return {name: np.repeat(value, times, axis=1) for name, value in variables.items()}


@pytest.mark.stan
def test_predict_means_match_epred(fit: Fit):
    """Averaged over 20000 draws (each posterior draw repeated), within 5 MC standard errors.

    Lognormal draws are compared on the log scale, where their mean is ``mu``: on the
    response scale their tails are too heavy for a standard error from 20000 draws.
    """
    spec = fit.spec
    v = repeat_draws(fit.variables, 200)
    draws = posterior_predict(spec, v, rng=11)
    epred = posterior_epred(spec, v)
    if draws.ndim == 2 and epred.ndim == 3:
        # the expected category 1..K
        epred = epred @ np.arange(1, epred.shape[-1] + 1)
    if spec.family.name == "lognormal":
        draws, epred = np.log(draws), posterior_linpred(spec, v)
    if spec.family.name == "frechet":
        # heavy tails: log(y) has mean log(mu) - lgamma(1 - 1 / nu) + euler_gamma / nu
        nu = posterior_linpred(spec, v, dpar="nu", transform=True)
        draws = np.log(draws)
        epred = np.log(epred) - special.gammaln(1 - 1 / nu) + np.euler_gamma / nu
    if spec.family.name == "von_mises":
        # angles: the mean direction is mu, so sin(y - mu) has mean 0
        draws, epred = np.sin(draws - epred), np.zeros_like(epred)
    assert draws.shape == epred.shape
    se = draws.std(axis=0) / np.sqrt(len(draws))
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - epred.mean(axis=0)), 5 * se + 1e-9)


@pytest.mark.stan
def test_rng_seeds_are_reproducible(fit: Fit):
    a = posterior_predict(fit.spec, fit.variables, rng=1)
    b = posterior_predict(fit.spec, fit.variables, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------
# Group levels of new data (no Stan run: hand-made draws of a correlated term)
# ---------------------------------------------------------------------------

SD = np.array([0.7, 1.9])
COR = -0.6


@pytest.fixture(scope="module")
def slopes() -> tuple[ModelSpec, dict[str, np.ndarray]]:
    """``y ~ x + (1 + x | g)`` with fixed sd and cor; S = 40000 draws in 2 chains."""
    spec = build_spec("y ~ x + (1 + x | g)", synthetic_data(), "gaussian")
    S, levels = 20000, len(spec.groups[0].levels)
    L = np.array([[1.0, 0.0], [COR, np.sqrt(1 - COR**2)]])
    rng = np.random.default_rng(0)
    r = rng.normal(size=(2, S, levels, 2))
    variables = {
        "b": np.full((2, S, 1), 0.5),
        "b_Intercept": np.full((2, S), 1.0),
        "sigma": np.ones((2, S)),
        "sd_1": np.broadcast_to(SD, (2, S, 2)),
        "L_1": np.broadcast_to(L, (2, S, 2, 2)),
        "r_1_1": r[..., 0],
        "r_1_2": r[..., 1],
    }
    return spec, variables


def test_unknown_level_raises_naming_group_and_level(slopes):
    spec, variables = slopes
    newdata = pd.DataFrame({"x": [0.0, 1.0], "g": ["g1", "new_one"]})
    with pytest.raises(SpecError, match=r"'new_one' of group 'g'.*allow_new_levels=True"):
        linear_predictors(spec, variables, newdata)


def test_new_levels_are_drawn_from_the_group_distribution(slopes):
    spec, variables = slopes
    newdata = pd.DataFrame({"x": [0.0, 1.0, 0.0, 0.0], "g": ["n1", "n1", "n2", "g1"]})
    eta = linear_predictors(
        spec, variables, newdata, allow_new_levels=True, sample_new_levels="gaussian", rng=1
    )["mu"]
    intercept = eta[:, 0] - 1.0
    slope = eta[:, 1] - eta[:, 0] - 0.5
    assert abs(intercept.mean()) < 5 * SD[0] / np.sqrt(len(eta))
    assert abs(slope.mean()) < 5 * SD[1] / np.sqrt(len(eta))
    np.testing.assert_allclose([intercept.std(), slope.std()], SD, rtol=0.03)
    assert np.corrcoef(intercept, slope)[0, 1] == pytest.approx(COR, abs=0.03)
    # another new level gets its own draws; a fitted level keeps its effects
    assert abs(np.corrcoef(intercept, eta[:, 2])[0, 1]) < 0.03
    level = spec.groups[0].levels.index("g1")
    np.testing.assert_allclose(eta[:, 3], 1.0 + flat(variables, "r_1_1")[:, level])


def test_new_levels_of_an_uncorrelated_term_need_no_cholesky_factor():
    spec = build_spec("y ~ 1 + (1 | g)", synthetic_data(), "gaussian")
    S = 30000
    variables = {
        "b_Intercept": np.zeros((1, S)),
        "sigma": np.ones((1, S)),
        "sd_1": np.full((1, S, 1), 2.5),
        "r_1_1": np.zeros((1, S, 4)),
    }
    newdata = pd.DataFrame({"g": ["elsewhere"]})
    eta = linear_predictors(
        spec, variables, newdata, allow_new_levels=True, sample_new_levels="gaussian", rng=2
    )["mu"][:, 0]
    assert eta.std() == pytest.approx(2.5, rel=0.03)


def test_newdata_category_not_in_the_fit_raises():
    spec = build_spec("y ~ x + f", synthetic_data(), "gaussian")
    variables = {
        "b": np.zeros((1, 2, 3)),
        "b_Intercept": np.zeros((1, 2)),
        "sigma": np.ones((1, 2)),
    }
    newdata = pd.DataFrame({"x": [0.0], "f": ["zz"]})
    with pytest.raises(SpecError, match="not seen in the fit"):
        posterior_epred(spec, variables, newdata)


def test_newdata_without_response_predicts_but_has_no_log_lik():
    spec = build_spec("succ | trials(n) ~ x", synthetic_data(), "binomial")
    variables = {"b": np.zeros((1, 2, 1)), "b_Intercept": np.zeros((1, 2))}
    newdata = pd.DataFrame({"x": [0.0, 1.0], "n": [10, 4]})
    np.testing.assert_allclose(posterior_epred(spec, variables, newdata), [[5.0, 2.0]] * 2)
    with pytest.raises(SpecError, match="'succ'"):
        log_lik(spec, variables, newdata)
    with pytest.raises(SpecError, match="'n'"):
        posterior_predict(spec, variables, newdata.drop(columns="n"))


def test_missing_variable_and_unknown_dpar_are_reported():
    spec = build_spec("y ~ x", synthetic_data(), "gaussian")
    with pytest.raises(DataError, match="'sigma'"):
        log_lik(spec, {"b": np.zeros((1, 2, 1)), "b_Intercept": np.zeros((1, 2))})
    variables = {"b": np.zeros((1, 2, 1)), "b_Intercept": np.zeros((1, 2))}
    with pytest.raises(SpecError, match="'sigma' has no linear predictor"):
        posterior_linpred(spec, variables, dpar="sigma")


# ---------------------------------------------------------------------------
# Addition terms se(), rate(), cens(), trunc(): log_lik equals the Stan program's
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=ADDITION_MODELS, ids=lambda c: c.id)
def addition_fit(request: pytest.FixtureRequest) -> Fit:
    case = request.param
    spec = build_spec(case.formula, synthetic_data(), case.family)
    model = compile_model(render(spec), show_progress=False)
    standata = make_standata(spec)
    # posterior draws: exgaussian_trunc's lcdf in Stan loses digits away from them
    draws = model.sample(
        standata, chains=1, iter_warmup=150, iter_sampling=60, seed=5, show_progress=False
    )
    return Fit(case, spec, model, standata, draws)


@pytest.mark.stan
def test_log_lik_of_addition_terms_sums_to_stan_likelihood(addition_fit: Fit):
    """Censored, truncated, se and rate rows: numpy's log_lik is the program's likelihood
    term (and the test's unconstraining transform reproduces lp__ first)."""
    fit = addition_fit
    some = slice(0, 60, 6)
    variables = subset(fit.variables, some)
    points = unconstrain(fit.model.stan_code, fit.standata, variables)
    lp = fit.model.log_prob(fit.standata, points, jacobian=True).lp
    np.testing.assert_allclose(lp, fit.draws.column("lp__")[0, some], rtol=1e-7)
    with_lik = fit.model.log_prob(fit.standata, points, jacobian=False).lp
    prior_only = fit.model.log_prob({**fit.standata, "prior_only": 1}, points, jacobian=False).lp
    got = with_imputed_responses(fit.spec, variables).sum(axis=1)
    np.testing.assert_allclose(got, with_lik - prior_only, rtol=1e-6, atol=1e-6)


def with_imputed_responses(spec: ModelSpec, variables: dict[str, np.ndarray]) -> np.ndarray:
    """log_lik, and in the rows of missing responses (NaN there, as brms's) the density
    at each draw's estimate ``Ymi``: the rows of the program's likelihood."""
    out = log_lik(spec, variables)
    rows = spec.response.mi
    if rows is None:
        return out
    assert np.isnan(out[:, rows]).all() and not np.isnan(np.delete(out, rows, axis=1)).any()
    column = spec.data.columns.get_loc(spec.response.expr)
    for s, ymi in enumerate(flat(variables, "Ymi")):
        data = spec.data.copy()
        data.iloc[rows, column] = ymi
        one = {name: value[:, s : s + 1] for name, value in variables.items()}
        out[s, rows] = log_lik(spec, one, data)[0, rows]
    return out


@pytest.mark.stan
def test_predictions_of_addition_terms_respect_bounds_and_newdata(addition_fit: Fit):
    """Truncated predictions lie within their bounds; the fitted rows given as new data
    reproduce the log-likelihood and the expected values."""
    fit = addition_fit
    r = fit.spec.response
    predicted = posterior_predict(fit.spec, fit.variables, rng=1)
    assert np.isfinite(predicted).all()
    if r.lb is not None:
        assert (predicted >= r.lb).all()
    if r.ub is not None:
        assert (predicted <= r.ub).all()
    newdata = fit.spec.data
    np.testing.assert_allclose(
        log_lik(fit.spec, fit.variables, newdata), log_lik(fit.spec, fit.variables)
    )
    np.testing.assert_allclose(
        posterior_epred(fit.spec, fit.variables, newdata), posterior_epred(fit.spec, fit.variables)
    )


@pytest.mark.stan
def test_epred_of_truncated_models_is_the_mean_within_the_bounds(addition_fit: Fit):
    """Against scipy's truncated normal, a direct sum over the Poisson's and the
    geometric's support (and a mixture's components'), brms's closed form for the
    lognormal and the exgaussian's density integrated over the bounds, and against the
    mean of truncated predictions
    (five standard errors, the total variance bounding each draw's)."""
    fit = addition_fit
    r = fit.spec.response
    if r.lb is None and r.ub is None:
        pytest.skip("not truncated")
    epred = posterior_epred(fit.spec, fit.variables)
    etas = linear_predictors(fit.spec, fit.variables)
    eta = etas.get("mu")  # a mixture's are mu1, mu2
    lb = np.full(epred.shape[1], -np.inf) if r.lb is None else r.lb
    ub = np.full(epred.shape[1], np.inf) if r.ub is None else r.ub
    tolerance = 1e-8  # closed forms and exact sums
    if fit.case.family in ("poisson", "geometric"):
        mu = np.exp(eta)
        counts = stats.poisson(mu) if fit.case.family == "poisson" else stats.geom(1 / (1 + mu))
        # scipy's geom counts trials from 1, the family failures from 0
        shift = fit.case.family == "geometric"
        support = np.arange(max(lb.min(), 0), ub.max() + 1)[:, None, None]
        pmf = counts.pmf(support + shift) * ((support >= lb) & (support <= ub))
        expected = (support * pmf).sum(axis=0) / pmf.sum(axis=0)
    elif fit.case.family == "hurdle_negbinomial":
        # zeros with probability hu, else the negative binomial above zero
        mu, shape = np.exp(eta), flat(fit.variables, "shape")[:, None]
        hu = flat(fit.variables, "hu")[:, None]
        support = np.arange(0, ub.max() + 1)[:, None, None]
        counts = stats.nbinom(shape, shape / (shape + mu))
        pmf = np.where(support == 0, hu, (1 - hu) * counts.pmf(support) / counts.sf(0))
        pmf = pmf * ((support >= lb) & (support <= ub))
        expected = (support * pmf).sum(axis=0) / pmf.sum(axis=0)
    elif fit.case.id == "mixture_poisson_negbinomial_trunc":
        # each component truncated, its mean weighted by its proportion: direct sums
        mu1, mu2 = np.exp(etas["mu1"]), np.exp(etas["mu2"])
        shape = flat(fit.variables, "shape2")[:, None]
        components = (stats.poisson(mu1), stats.nbinom(shape, shape / (shape + mu2)))
        support = np.arange(0, ub.max() + 1)[:, None, None]
        expected = 0
        for k, counts in enumerate(components, 1):
            pmf = counts.pmf(support) * (support <= ub)
            theta = flat(fit.variables, f"theta{k}")[:, None]
            expected = expected + theta * (support * pmf).sum(axis=0) / pmf.sum(axis=0)
    elif fit.case.family == "exgaussian":
        # the density and x times it integrated between the (finite) bounds: Simpson's rule
        sigma, beta = flat(fit.variables, "sigma")[:, None], flat(fit.variables, "beta")[:, None]
        x = lb + np.linspace(0, 1, 2001)[:, None, None] * (ub - lb)
        density = stats.exponnorm.pdf(x, beta / sigma, loc=eta - beta, scale=sigma)
        mass = integrate.simpson(density, x=x, axis=0)
        expected = integrate.simpson(x * density, x=x, axis=0) / mass
        # pybrms's 29 nodes of tanh-sinh quadrature: about 1e-8 of the bounds' scale
        tolerance = 1e-6
    else:
        sigma = flat(fit.variables, "sigma")[:, None]
        if fit.case.family == "gaussian":
            expected = stats.truncnorm((lb - eta) / sigma, (ub - eta) / sigma, eta, sigma).mean()
        else:
            lognormal = stats.lognorm(sigma, scale=np.exp(eta))
            z = (np.log(lb) - eta) / sigma - sigma
            partial = np.exp(eta + sigma**2 / 2) * stats.norm.sf(z)
            expected = partial / lognormal.sf(lb)
    np.testing.assert_allclose(epred, expected, rtol=tolerance, atol=tolerance)
    replicates = 100
    tiled = {k: np.tile(v, (1, replicates) + (1,) * (v.ndim - 2)) for k, v in fit.variables.items()}
    predicted = posterior_predict(fit.spec, tiled, rng=2)
    error = predicted.std(axis=0) / np.sqrt(predicted.shape[0])
    assert (np.abs(predicted.mean(axis=0) - epred.mean(axis=0)) < 5 * error + 1e-12).all()


# ---------------------------------------------------------------------------
# ARMA autocorrelation: each row's mean reads the residuals of earlier rows
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=AC_MODELS, ids=lambda c: c.id)
def ac_fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


@pytest.mark.stan
def test_arma_log_lik_sums_to_stan_likelihood(ac_fit: Fit):
    check_log_lik_sums_to_stan_likelihood(ac_fit)


@pytest.mark.stan
def test_arma_epred_is_mu_with_the_residuals_of_earlier_rows(ac_fit: Fit):
    """posterior_epred is the updated mu (as brms's, conditional on the observed
    residuals), and new rows equal to the fitted ones, in the user's order, give the same
    predictions: the fitted rows come back in the user's order, as brms's."""
    variables = subset(ac_fit.variables, slice(0, 100, 10))
    mu = linear_predictors(ac_fit.spec, variables)["mu"]
    np.testing.assert_allclose(posterior_epred(ac_fit.spec, variables), mu)
    again = posterior_epred(ac_fit.spec, variables, ac_fit.spec.input_data)
    np.testing.assert_allclose(again, mu, rtol=1e-12)


@pytest.fixture(scope="module", params=MV_MODELS, ids=lambda c: c.id)
def mv_fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


@pytest.mark.stan
def test_multivariate_log_lik_sums_to_stan_likelihood(mv_fit: Fit):
    """With residual correlations the joint density of each row, without them the sum
    over responses: summed over rows, Stan's likelihood term."""
    some = slice(0, 100, 5)
    variables = subset(mv_fit.variables, some)
    points = unconstrain(mv_fit.model.stan_code, mv_fit.standata, variables)
    lp = mv_fit.model.log_prob(mv_fit.standata, points, jacobian=False).lp
    prior_only = mv_fit.model.log_prob({**mv_fit.standata, "prior_only": 1}, points, jacobian=False)
    got = mv_log_lik(mv_fit.spec, variables).sum(axis=1)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, lp - prior_only.lp, rtol=1e-6, atol=1e-6)


@pytest.mark.stan
def test_multivariate_predictions_by_response(mv_fit: Fit):
    """(draws, rows, responses) or one response with resp=; the joint normal (student)
    density of each row with residual correlations (scipy), the sum of the responses'
    without."""
    spec = mv_fit.spec
    variables = subset(mv_fit.variables, slice(0, 100, 20))
    epred = mv_posterior_epred(spec, variables)  # type: ignore[arg-type]
    assert epred.shape == (5, spec.N, 2)
    for k, resp in enumerate(spec.responses):
        np.testing.assert_array_equal(mv_posterior_epred(spec, variables, resp=resp), epred[..., k])
    assert mv_posterior_predict(spec, variables, rng=1).shape == (5, spec.N, 2)
    got = mv_log_lik(spec, variables)
    y = np.column_stack([p.response.values for p in spec.parts])
    if spec.rescor:
        # sigma of y predicted (student case): exp(b_sigma_y_Intercept + b_sigma_y * z)
        if "b_sigma_y" in variables:
            slope = flat(variables, "b_sigma_y").reshape(-1)
            eta = flat(variables, "b_sigma_y_Intercept")[:, None] + np.outer(slope, spec.data["z"])
            s1 = np.exp(eta)
        else:
            s1 = np.repeat(flat(variables, "sigma_y")[:, None], spec.N, axis=1)
        s2 = flat(variables, "sigma_y2")
        r = flat(variables, "rescor")[:, 0]
        for s in range(5):
            for n in range(spec.N):
                c = r[s] * s1[s, n] * s2[s]
                cov = [[s1[s, n] ** 2, c], [c, s2[s] ** 2]]
                if spec.shared_dpars:  # student: one nu for both responses
                    nu = flat(variables, "nu")[s]
                    expected = stats.multivariate_t.logpdf(y[n] - epred[s, n], [0, 0], cov, df=nu)
                else:
                    expected = stats.multivariate_normal.logpdf(y[n] - epred[s, n], [0, 0], cov)
                np.testing.assert_allclose(got[s, n], expected, rtol=1e-8)
    else:
        count = mv_log_lik(spec, variables, resp="count")
        np.testing.assert_allclose(count, stats.poisson.logpmf(y[:, 1], epred[..., 1]), rtol=1e-8)
        np.testing.assert_allclose(got, mv_log_lik(spec, variables, resp="y") + count)


@pytest.mark.stan
def test_refcat_is_the_category_whose_linear_predictor_is_zero():
    """brms's refcat: Stan's GLM function and numpy agree with category c as the
    reference, and the log odds of each category against c are its linear predictor."""
    fit = tiny_fit(Case("categorical_glm_refcat", "cat ~ x + f", family("categorical", refcat="c")))
    check_log_lik_sums_to_stan_likelihood(fit)
    etas = linear_predictors(fit.spec, fit.variables)
    probs = posterior_epred(fit.spec, fit.variables)
    assert sorted(etas) == ["mua", "mub"]
    for k, name in enumerate(["mua", "mub"]):
        np.testing.assert_allclose(np.log(probs[..., k] / probs[..., 2]), etas[name], rtol=1e-9)


# The values FIXED_MODELS give their parameters (mixing proportions scaled to sum to 1).
FIXED_VALUES = {
    "mixture_fixed_theta_sigma": {"theta1": 1 / 3, "theta2": 2 / 3, "sigma2": 1.0},
    "gen_extreme_value_fixed_sigma": {"sigma": 1.5},
}


@pytest.mark.stan
@pytest.mark.parametrize("case", FIXED_MODELS, ids=lambda c: c.id)
def test_parameters_fixed_by_the_formula(case: Case):
    """bf(..., theta1 = 1, theta2 = 2, sigma2 = 1), bf(..., sigma = 1.5): numpy's log_lik
    is Stan's likelihood with the fixed values, which are not sampled, and the summary
    shows them as brms: the value, sd 0, no diagnostics."""
    fit = tiny_fit(case)
    fixed = FIXED_VALUES[case.id]
    check_log_lik_sums_to_stan_likelihood(fit)
    assert set(fixed).isdisjoint(fit.variables)
    assert fit.spec.fixed_dpars == fixed
    table = summarize(
        fit.spec, fit.draws, data_name="df", iter_warmup=200, iter_sampling=100, thin=1
    ).family_specific
    np.testing.assert_allclose(table.loc[list(fixed), "Estimate"], list(fixed.values()))
    np.testing.assert_allclose(table.loc[list(fixed), "Est.Error"], 0, atol=1e-12)
    assert table.loc[list(fixed), ["Rhat", "Bulk_ESS", "Tail_ESS"]].isna().all().all()
    if fit.spec.family.family.components is not None:
        mu1, mu2 = (posterior_linpred(fit.spec, fit.variables, dpar=d) for d in ("mu1", "mu2"))
        epred = posterior_epred(fit.spec, fit.variables)
        np.testing.assert_allclose(epred, mu1 / 3 + 2 * mu2 / 3, rtol=1e-12)


# ---------------------------------------------------------------------------
# Predictors with missing values estimated: mi(x) with the model of x
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=MISSING_MODELS, ids=lambda c: c.id)
def mi_fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


def mv_with_imputed_responses(spec: MvSpec, variables: dict[str, np.ndarray]) -> np.ndarray:
    """mv_log_lik per response ``(S, N, nresp)``, and in the rows of a missing response
    (NaN there, as brms's) its density at each draw of ``Ymi_<resp>``."""
    out = np.stack([mv_log_lik(spec, variables, resp=r) for r in spec.responses], axis=-1)
    for k, part in enumerate(spec.parts):
        rows = part.response.mi
        if rows is None:
            continue
        assert np.isnan(out[:, rows, k]).all()
        column = spec.data.columns.get_loc(part.response.expr)
        for s, ymi in enumerate(flat(variables, f"Ymi_{part.resp}")):
            data = spec.data.copy()
            data.iloc[rows, column] = ymi
            # the other mi(x) terms read the fitted values (new data must give them)
            for other in spec.parts:
                if other.response.mi is not None and other is not part:
                    ymi_other = flat(variables, f"Ymi_{other.resp}")[s]
                    data.iloc[other.response.mi, data.columns.get_loc(other.response.expr)] = (
                        ymi_other
                    )
            one = {name: value[:, s : s + 1] for name, value in variables.items()}
            out[s, rows, k] = mv_log_lik(spec, one, data, resp=part.resp)[0, rows]
    assert not np.isnan(out).any()
    return out.sum(axis=-1)


@pytest.mark.stan
def test_missing_predictor_log_lik_sums_to_stan_likelihood(mi_fit: Fit):
    """bsp * Yl_x[n] in the linear predictor, each missing x at its draw of Ymi_x, and
    the densities of the estimated values: summed over rows, Stan's likelihood term."""
    some = slice(0, 100, 10)
    variables = subset(mi_fit.variables, some)
    points = unconstrain(mi_fit.model.stan_code, mi_fit.standata, variables)
    lp = mi_fit.model.log_prob(mi_fit.standata, points, jacobian=True).lp
    np.testing.assert_allclose(lp, mi_fit.draws.column("lp__")[0, some], rtol=1e-7)
    with_lik = mi_fit.model.log_prob(mi_fit.standata, points, jacobian=False).lp
    prior_only = mi_fit.model.log_prob({**mi_fit.standata, "prior_only": 1}, points, jacobian=False)
    got = mv_with_imputed_responses(mi_fit.spec, variables).sum(axis=1)  # type: ignore[arg-type]
    np.testing.assert_allclose(got, with_lik - prior_only.lp, rtol=1e-6, atol=1e-6)


@pytest.mark.stan
def test_missing_predictor_needs_observed_new_data(mi_fit: Fit):
    """New rows with x observed give the fitted rows' predictions where x was observed;
    a missing x in new data is refused, naming the variable and the row."""
    spec = mi_fit.spec
    variables = subset(mi_fit.variables, slice(0, 100, 20))
    fitted = mv_posterior_epred(spec, variables)  # type: ignore[arg-type]
    seen = spec.data["xmi"].notna().to_numpy()
    again = mv_posterior_epred(spec, variables, spec.data[seen])  # type: ignore[arg-type]
    np.testing.assert_allclose(again, fitted[:, seen], rtol=1e-12)
    with pytest.raises(SpecError, match=r"'xmi'.*row"):
        mv_posterior_epred(spec, variables, spec.data)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# subset(): each response of a multivariate model on its own rows
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=SUBSET_MODELS, ids=lambda c: c.id)
def subset_fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


@pytest.mark.stan
def test_subset_log_lik_sums_to_stan_likelihood(subset_fit: Fit):
    """Each response's log_lik (resp=) over its own rows; summed over rows and responses,
    Stan's likelihood term."""
    spec = subset_fit.spec
    variables = subset(subset_fit.variables, slice(0, 100, 5))
    points = unconstrain(subset_fit.model.stan_code, subset_fit.standata, variables)
    model, sd = subset_fit.model, subset_fit.standata
    lp = model.log_prob(sd, points, jacobian=False).lp
    prior_only = model.log_prob({**sd, "prior_only": 1}, points, jacobian=False).lp
    ys = mv_log_lik(spec, variables, resp="ys")  # type: ignore[arg-type]
    count = mv_log_lik(spec, variables, resp="count")  # type: ignore[arg-type]
    assert ys.shape == (20, sd["N_ys"]) and count.shape == (20, sd["N"])
    assert sd["N_ys"] == int(synthetic_data()["cr"].sum()) < sd["N"]
    np.testing.assert_allclose(ys.sum(axis=1) + count.sum(axis=1), lp - prior_only, rtol=1e-6)


@pytest.mark.stan
def test_subset_predictions_are_per_response_on_its_rows(subset_fit: Fit):
    """Without resp= the responses' rows differ: refused, naming the response. New rows
    are those the response's subset() keeps, as brms; the fitted rows' log density is
    scipy's normal of the rows where cr is true."""
    spec = subset_fit.spec
    variables = subset(subset_fit.variables, slice(0, 100, 20))
    with pytest.raises(SpecError, match="'ys' has subset"):
        mv_posterior_epred(spec, variables)  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="resp="):
        mv_log_lik(spec, variables)  # type: ignore[arg-type]
    epred = mv_posterior_epred(spec, variables, resp="ys")  # type: ignore[arg-type]
    data = synthetic_data()
    kept = data[data["cr"]]
    assert epred.shape == (5, len(kept))
    again = mv_posterior_epred(spec, variables, data, resp="ys")  # type: ignore[arg-type]
    np.testing.assert_allclose(again, epred, rtol=1e-12)
    expected = stats.norm.logpdf(kept["ys"].to_numpy(), epred, flat(variables, "sigma_ys")[:, None])
    np.testing.assert_allclose(mv_log_lik(spec, variables, resp="ys"), expected, rtol=1e-8)
    predicted = mv_posterior_predict(spec, variables, resp="count", rng=1)  # type: ignore[arg-type]
    assert predicted.shape == (5, len(data))


# ---------------------------------------------------------------------------
# Time-series covariance structures: the rows of each series are one multivariate draw
# ---------------------------------------------------------------------------


def series_correlation(variables: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The correlation matrices ``(S, n, n)`` of ``n`` times, written from the processes'
    definitions: compound symmetry, or the autocovariance of an ARMA(1, 1) process of
    unit innovations, sum_j psi_j psi_{j+k}, psi_0 = 1, psi_j = (ar + ma) ar^(j - 1)
    (truncated where ar^j is negligible)."""
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    if "cosy" in variables:
        cosy = variables["cosy"].reshape(-1, 1, 1)
        return np.where(lag == 0, 1.0, cosy)
    S = next(iter(variables.values())).shape[0] * next(iter(variables.values())).shape[1]
    ar = variables["ar"].reshape(S, 1) if "ar" in variables else np.zeros((S, 1))
    ma = variables["ma"].reshape(S, 1) if "ma" in variables else np.zeros((S, 1))
    j = np.arange(1, 4000)
    psi = np.concatenate([np.ones((S, 1)), (ar + ma) * ar ** (j - 1)], axis=1)
    gamma = np.stack([np.sum(psi[:, : psi.shape[1] - k] * psi[:, k:], axis=1) for k in range(n)])
    return gamma.T[:, lag]


@pytest.fixture(scope="module", params=TIME_COV_MODELS, ids=lambda c: c.id)
def time_cov_fit(request: pytest.FixtureRequest) -> Fit:
    return tiny_fit(request.param)


@pytest.mark.stan
def test_time_series_joint_density_is_stan_likelihood(time_cov_fit: Fit):
    """Each series (rows of one g, in time order) as one draw of scipy's multivariate
    normal or t with covariance sigma_i sigma_j cor(t_i - t_j): summed, Stan's
    likelihood term at 10 posterior draws."""
    fit = time_cov_fit
    some = slice(0, 100, 10)
    variables = subset(fit.variables, some)
    points = unconstrain(fit.model.stan_code, fit.standata, variables)
    with_lik = fit.model.log_prob(fit.standata, points, jacobian=False).lp
    prior_only = fit.model.log_prob({**fit.standata, "prior_only": 1}, points, jacobian=False).lp
    etas = linear_predictors(fit.spec, variables)
    data = fit.spec.input_data
    S = etas["mu"].shape[0]
    sigma = (
        np.exp(etas["sigma"])
        if "sigma" in etas
        else np.broadcast_to(variables["sigma"].reshape(S, 1), etas["mu"].shape)
    )
    nu = variables["nu"].reshape(S) if "nu" in variables else None
    expected = np.zeros(S)
    for _, rows in data.groupby("g").groups.items():
        order = np.asarray(data.index.get_indexer(rows))
        order = order[np.argsort(data["t"].to_numpy()[order])]
        cor = series_correlation(variables, len(order))
        y = data["y"].to_numpy()[order]
        for s in range(S):
            cov = np.outer(sigma[s, order], sigma[s, order]) * cor[s]
            mean = etas["mu"][s, order]
            if nu is None:
                expected[s] += stats.multivariate_normal.logpdf(y, mean, cov)
            else:
                expected[s] += stats.multivariate_t.logpdf(y, mean, cov, df=nu[s])
    np.testing.assert_allclose(with_lik - prior_only, expected, rtol=1e-8)
