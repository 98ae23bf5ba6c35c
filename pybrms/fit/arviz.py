"""BrmsFit -> ArviZ InferenceData, and the ArviZ diagnostics pybrms uses.

The only module that imports ArviZ.

Posterior variables carry brms's names (``b_Intercept``, ``sd_patient__Intercept``,
``sigma``); group-level effects become one array per grouping,
``r_patient[chain, draw, patient, coef]``, with the levels and coefficient
names as coordinates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import arviz as az
import numpy as np

from pybrms.draws import Draws
from pybrms.spec.model_spec import ModelSpec

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

# Stan's sampler columns -> ArviZ's sample_stats names.
SAMPLE_STATS = {
    "lp__": "lp",
    "accept_stat__": "acceptance_rate",
    "stepsize__": "step_size",
    "treedepth__": "tree_depth",
    "n_leapfrog__": "n_steps",
    "divergent__": "diverging",
    "energy__": "energy",
}


def to_inference_data(fit: BrmsFit) -> az.InferenceData:
    """Posterior, sample_stats and observed_data of a fit as ``arviz.InferenceData``.

    Examples
    --------
    >>> idata = to_inference_data(fit)  # doctest: +SKIP
    >>> idata.posterior["b_Intercept"].dims  # doctest: +SKIP
    ('chain', 'draw')
    """
    posterior, dims, coords = posterior_arrays(fit.spec, fit.draws)
    stats = {SAMPLE_STATS[k]: v for k, v in fit.draws.sampler_diagnostics().items()}
    stats["diverging"] = stats["diverging"].astype(bool)
    per_draw = (fit.draws.num_chains, fit.draws.num_draws, -1)
    observed = np.asarray(fit.spec.response.values)
    coords["obs_id"] = np.asarray(fit.spec.data.index)
    return az.from_dict(
        posterior=posterior,
        log_likelihood={"y": fit.log_lik().reshape(per_draw)},
        posterior_predictive={"y": fit.posterior_predict().reshape(per_draw)},
        sample_stats=stats,
        observed_data={"y": observed},
        coords=coords,
        dims={**dims, "y": ["obs_id"]},
        attrs={"inference_library": "pybrms", "formula": fit.spec.formula.mu.source},
    )


def posterior_arrays(
    spec: ModelSpec, draws: Draws
) -> tuple[dict[str, np.ndarray], dict[str, list[str]], dict[str, np.ndarray]]:
    """brms-named posterior arrays ``(chain, draw, ...)`` with their dims and coords."""
    posterior = {p.name: draws.column(p.column) for p in spec.names if p.cls != "r"}
    dims: dict[str, list[str]] = {}
    coords: dict[str, np.ndarray] = {}
    for effects in spec.groups:
        suffix = "" if effects.dpar == "mu" else f"__{effects.dpar}"
        name = f"r_{effects.group}{suffix}"
        level_dim, coef_dim = effects.group, f"{name}_coef"
        posterior[name] = np.stack(
            [np.stack([draws.column(f"{r}.{j}") for j in range(1, len(effects.levels) + 1)],
                      axis=-1) for r in effects.r],
            axis=-1,
        )
        dims[name] = [level_dim, coef_dim]
        coords[level_dim] = np.asarray(effects.levels)
        coords[coef_dim] = np.asarray(effects.coefs)
    return posterior, dims, coords


def convergence(values: np.ndarray) -> tuple[float, float, float]:
    """Rank-normalized split Rhat, bulk ESS and tail ESS of ``(chains, draws)`` values;
    NaN for a constant (fixed) parameter, which has no mixing to diagnose.

    Examples
    --------
    >>> convergence(np.ones((2, 10)))
    (nan, nan, nan)
    """
    if np.ptp(values) == 0:
        return (float("nan"),) * 3
    return (float(az.rhat(values)), float(az.ess(values, method="bulk")),
            float(az.ess(values, method="tail")))


def loo(fit: BrmsFit) -> az.ELPDData:
    """PSIS-LOO of a fit from its pointwise log-likelihood."""
    return az.loo(to_inference_data(fit))


def psis_log_weights(log_lik: np.ndarray) -> np.ndarray:
    """Normalized PSIS leave-one-out log weights ``(S, N)`` from a log-likelihood
    ``(chains, draws, N)``, with one relative efficiency for all observations
    (the mean over observations of the ESS of ``exp(log_lik)`` over draws), as
    ``arviz.loo`` uses one.

    Examples
    --------
    >>> lw = psis_log_weights(np.random.default_rng(1).normal(size=(2, 200, 3)))
    >>> lw.shape, bool(np.allclose(np.exp(lw).sum(axis=0), 1.0))
    ((400, 3), True)
    """
    chains, draws, n = log_lik.shape
    likelihood = np.exp(log_lik - log_lik.max(axis=(0, 1)))
    ess = az.ess(az.convert_to_dataset(likelihood), method="mean")["x"].values
    reff = float(np.mean(ess)) / (chains * draws)
    log_weights, _ = az.psislw(-log_lik.reshape(chains * draws, n).T, reff=reff)
    return np.asarray(log_weights).T
