"""BrmsFit -> ArviZ InferenceData, and the ArviZ diagnostics pybrms uses.

The only module that imports ArviZ.

Posterior variables carry brms's names (``b_Intercept``, ``sd_patient__Intercept``,
``sigma``); the names table (:class:`pybrms.spec.names.ParName`) says which
elements form arrays, such as the group-level effects of one grouping,
``r_patient[chain, draw, patient, coef]``, with the levels and coefficient
names as coordinates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import arviz as az
import numpy as np
from scipy import stats

from pybrms.draws import Draws
from pybrms.errors import SpecError
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec
from pybrms.spec.names import ParName

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
    spec = fit.spec
    if isinstance(spec, MvSpec) and has_subset(spec):
        per_log_lik, per_predicted, per_observed = _per_response_groups(fit, spec, coords, dims)
        return az.from_dict(
            posterior=posterior,
            log_likelihood=per_log_lik,
            posterior_predictive=per_predicted,
            sample_stats=stats,
            observed_data=per_observed,
            coords=coords,
            dims=dims,
            attrs={"inference_library": "pybrms", "formula": _mv_formula(spec)},
        )
    per_draw = (fit.draws.num_chains, fit.draws.num_draws, spec.N)
    coords["obs_id"] = np.asarray(spec.input_data.index)
    y_dims = ["obs_id"]
    if isinstance(spec, MvSpec):
        # one column per response, as brms's multivariate predictions
        observed = np.stack([p.response.values for p in spec.parts], axis=-1)
        coords["resp"] = np.asarray(spec.responses)
        y_dims.append("resp")
        formula = _mv_formula(spec)
    else:
        observed = np.asarray(spec.input_response.values)
        formula = spec.formula.mu.source
        if observed.ndim == 2:
            # a matrix response (multinomial, dirichlet): one column per category
            coords["category"] = np.asarray(spec.response.categories)
            y_dims.append("category")
    predicted = fit.posterior_predict()
    return az.from_dict(
        posterior=posterior,
        log_likelihood={"y": fit.log_lik().reshape(per_draw)},
        posterior_predictive={"y": predicted.reshape(per_draw + predicted.shape[2:])},
        sample_stats=stats,
        observed_data={"y": observed},
        coords=coords,
        dims={**dims, "y": y_dims},
        attrs={"inference_library": "pybrms", "formula": formula},
    )


def has_subset(spec: MvSpec) -> bool:
    """Whether a response of ``spec`` has ``subset()`` (the responses' rows differ)."""
    return any(p.subset is not None for p in spec.parts)


def _mv_formula(spec: MvSpec) -> str:
    return "; ".join(f.mu.source for f in spec.formula.formulas)


Arrays = dict[str, np.ndarray]


def _per_response_groups(
    fit: BrmsFit, spec: MvSpec, coords: dict[str, Any], dims: dict[str, list[str]]
) -> tuple[Arrays, Arrays, Arrays]:
    """log_likelihood, posterior_predictive and observed_data of a model whose responses
    have different rows (``subset()``): one variable per response, named by it, over its
    own rows (``obs_id_<resp>``), as brms's ``log_lik(resp = )``. Updates ``coords`` and
    ``dims``."""
    chains, draws = fit.draws.num_chains, fit.draws.num_draws
    log_lik: Arrays = {}
    predicted: Arrays = {}
    observed: Arrays = {}
    for part in spec.parts:
        rows = spec.data.index if part.subset is None else spec.data.index[part.subset]
        dim = f"obs_id_{part.resp}"
        coords[dim] = np.asarray(rows)
        dims[part.resp] = [dim]
        per_draw = (chains, draws, len(rows))
        log_lik[part.resp] = fit.log_lik(resp=part.resp).reshape(per_draw)
        predicted[part.resp] = fit.posterior_predict(resp=part.resp).reshape(per_draw)
        observed[part.resp] = np.asarray(part.response.values)
    return log_lik, predicted, observed


def posterior_arrays(
    spec: ModelSpec | MvSpec, draws: Draws
) -> tuple[dict[str, np.ndarray], dict[str, list[str]], dict[str, np.ndarray]]:
    """brms-named posterior arrays ``(chain, draw, ...)`` with their dims and coords.

    An element of the names table with an ``array`` is placed in that array at its
    ``dims`` coordinates (every coordinate seen in a dimension, in order of first
    appearance; elements no term has stay NaN); any other is its own variable.
    """
    posterior: dict[str, np.ndarray] = {}
    arrays: dict[str, list[ParName]] = {}
    for p in spec.names:
        if p.array:
            arrays.setdefault(p.array, []).append(p)
        else:
            posterior[p.name] = draws.column(p.column)
    dims: dict[str, list[str]] = {}
    coords: dict[str, np.ndarray] = {}
    for name, elements in arrays.items():
        dims[name] = [dim for dim, _ in elements[0].dims]
        labels = [
            list(dict.fromkeys(e.dims[k][1] for e in elements)) for k in range(len(dims[name]))
        ]
        shape = (draws.num_chains, draws.num_draws, *map(len, labels))
        values = np.full(shape, np.nan)
        for e in elements:
            at = (labels[k].index(coord) for k, (_, coord) in enumerate(e.dims))
            index: tuple[slice | int, ...] = (slice(None), slice(None), *at)
            values[index] = draws.column(e.column)
        posterior[name] = values
        coords |= {dim: np.asarray(found) for dim, found in zip(dims[name], labels, strict=True)}
    return posterior, dims, coords


# ArviZ's smallest chain for ESS; R-hat needs it in each half of a split chain.
MIN_DRAWS = 4


def convergence(values: np.ndarray) -> tuple[float, float, float]:
    """Rank-normalized split R-hat, bulk ESS and tail ESS of ``(chains, draws)`` values.

    NaN where a value cannot be computed: a constant (fixed) parameter has no
    mixing to diagnose, and ArviZ needs at least 4 draws per chain (per half
    chain for R-hat). Checked here, so ArviZ never logs a shape warning.

    Examples
    --------
    >>> convergence(np.ones((2, 10)))
    (nan, nan, nan)
    >>> rhat, bulk, tail = convergence(np.random.default_rng(1).normal(size=(1, 400)))
    >>> bool(rhat < 1.05 and bulk > 200)
    True
    """
    nan = float("nan")
    if np.ptp(values) == 0 or not np.all(np.isfinite(values)) or values.shape[1] < MIN_DRAWS:
        return nan, nan, nan
    return (
        split_rhat(values),
        float(az.ess(values, method="bulk")),
        float(az.ess(values, method="tail")),
    )


def split_rhat(values: np.ndarray) -> float:
    """Rank-normalized split R-hat of ``(chains, draws)`` values, one chain included.

    Each chain is split into halves (the middle draw of an odd chain is left
    out), the halves are rank-normalized together, and ArviZ's R-hat of the
    halves is taken as they are (``method="identity"``), for the bulk and for
    the folded tail; the larger counts. For two or more chains this is
    ``arviz.rhat(values, method="rank")``; unlike it, a single chain gets a
    value too, from its two halves, as in Stan and brms.

    Examples
    --------
    >>> values = np.random.default_rng(2).normal(size=(2, 100))
    >>> bool(np.isclose(split_rhat(values), az.rhat(values, method="rank")))
    True
    """
    half = values.shape[1] // 2
    if half < MIN_DRAWS:
        return float("nan")
    halves = np.concatenate([values[:, :half], values[:, -half:]])
    folded = np.abs(halves - np.median(halves))
    return float(
        max(
            az.rhat(_rank_normalize(halves), method="identity"),
            az.rhat(_rank_normalize(folded), method="identity"),
        )
    )


def _rank_normalize(values: np.ndarray) -> np.ndarray:
    """Normal scores of the pooled ranks (Vehtari et al. 2021, eq. 14; Blom's offset 3/8)."""
    ranks = stats.rankdata(values, method="average").reshape(values.shape)
    return stats.norm.ppf((ranks - 3 / 8) / (values.size + 1 / 4))


def bfmi(energy: np.ndarray) -> np.ndarray:
    """Estimated Bayesian fraction of missing information of each chain (ArviZ's ``bfmi``).

    Parameters
    ----------
    energy
        The sampler's ``energy__``, ``(chains, draws)``.

    Examples
    --------
    >>> walk = np.cumsum(np.random.default_rng(3).normal(size=(1, 500)), axis=1)
    >>> bool(bfmi(walk)[0] < 0.2)  # energy that wanders like a random walk
    True
    """
    if energy.shape[1] < 2:
        return np.full(energy.shape[0], np.nan)
    return np.asarray(az.bfmi(energy), dtype=float)


def loo(fit: BrmsFit, resp: str | None = None) -> az.ELPDData:
    """PSIS-LOO of a fit from its pointwise log-likelihood; of the response ``resp`` of
    a multivariate model alone, as brms's ``loo(fit, resp = )``.

    Raises
    ------
    SpecError
        Without ``resp`` for a multivariate model with ``subset()`` (its responses have
        different rows); with ``resp`` for a univariate model or an unknown response.
        With residual correlations, ``resp`` reads that response's own (marginal)
        log-likelihood, as brms.
    """
    spec = fit.spec
    if resp is None:
        if isinstance(spec, MvSpec) and has_subset(spec):
            raise SpecError(
                "loo() of a multivariate model with subset(), whose responses have different "
                "rows: choose a response with resp= (one of "
                f"{', '.join(map(repr, spec.responses))}), as brms."
            )
        return az.loo(to_inference_data(fit))
    if not isinstance(spec, MvSpec):
        raise SpecError(f"loo(resp={resp!r}): resp= selects a response of a multivariate model.")
    name = spec.part(resp).resp
    idata = to_inference_data(fit)
    if has_subset(spec):
        return az.loo(idata, var_name=name)
    per_draw = (fit.draws.num_chains, fit.draws.num_draws, spec.N)
    own = az.from_dict(log_likelihood={name: fit.log_lik(resp=name).reshape(per_draw)})
    # ArviZ's relative efficiency reads the posterior: the fit's, as loo() without resp
    return az.loo(
        az.InferenceData(posterior=idata["posterior"], log_likelihood=own["log_likelihood"])
    )


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
