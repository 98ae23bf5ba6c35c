"""Sampler diagnostics of a fit, and the warnings brms (through rstan) gives about them.

After sampling, a fit is checked for divergent transitions, transitions that hit
the maximum tree depth, chains with a low E-BFMI, a high R-hat and a low bulk or
tail ESS. Each problem found is one :class:`SamplingWarning` in brms's words,
raised at the user's call to :func:`pybrms.brm` or ``update()``, and one line
of the summary's footer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pybrms.draws import Draws
from pybrms.fit.arviz import bfmi, convergence

RHAT_THRESHOLD = 1.05
#: rstan's rule: bulk and tail ESS should reach 100 per chain.
ESS_PER_CHAIN = 100
BFMI_THRESHOLD = 0.2
_URL = "https://mc-stan.org/misc/warnings.html"


class SamplingWarning(UserWarning):
    """The sampler's diagnostics signal that a fit may not be trustworthy."""


@dataclass(frozen=True)
class Diagnostics:
    """What the sampler diagnostics of one fit say.

    Attributes
    ----------
    chains
        Number of chains.
    divergent
        Divergent transitions after warmup.
    adapt_delta
        Target acceptance rate of the run (for the advice on divergences).
    treedepth_hits
        Transitions after warmup that hit the maximum tree depth.
    max_treedepth
        The maximum tree depth of the run.
    low_bfmi_chains
        Chains whose E-BFMI is below 0.2.
    max_rhat
        Largest rank-normalized split R-hat over the parameters (NaN if none).
    min_bulk_ess, min_tail_ess
        Smallest bulk and tail ESS over the parameters (NaN if none).
    """

    chains: int
    divergent: int
    adapt_delta: float
    treedepth_hits: int
    max_treedepth: int
    low_bfmi_chains: int
    max_rhat: float
    min_bulk_ess: float
    min_tail_ess: float

    def messages(self) -> tuple[str, ...]:
        """One message per problem found, in brms's (rstan's) words; empty if none.

        Examples
        --------
        >>> Diagnostics(chains=2, divergent=3, adapt_delta=0.8, treedepth_hits=0,
        ...             max_treedepth=10, low_bfmi_chains=0, max_rhat=1.0,
        ...             min_bulk_ess=900.0, min_tail_ess=800.0).messages()[0][:47]
        'There were 3 divergent transitions after warmup'
        """
        out = []
        if self.divergent:
            out.append(
                f"There were {self.divergent} divergent transitions after warmup. Increasing "
                f"adapt_delta above {self.adapt_delta} may help. See "
                f"{_URL}#divergent-transitions-after-warmup"
            )
        if self.treedepth_hits:
            out.append(
                f"There were {self.treedepth_hits} transitions after warmup that exceeded the "
                f"maximum treedepth. Increase max_treedepth above {self.max_treedepth}. See "
                f"{_URL}#maximum-treedepth-exceeded"
            )
        if self.low_bfmi_chains:
            out.append(
                f"There were {self.low_bfmi_chains} chains where the estimated Bayesian "
                f"Fraction of Missing Information was low. See {_URL}#bfmi-low"
            )
        if self.max_rhat > RHAT_THRESHOLD:
            out.append(
                "Parts of the model have not converged (some Rhats are > 1.05; the largest is "
                f"{self.max_rhat:.2f}). Be careful when analysing the results! We recommend "
                f"running more iterations and/or setting stronger priors. See {_URL}#r-hat"
            )
        if self.min_bulk_ess < ESS_PER_CHAIN * self.chains:
            out.append(
                "Bulk Effective Samples Size (ESS) is too low, indicating posterior means and "
                "medians may be unreliable. Running the chains for more iterations may help. "
                f"See {_URL}#bulk-ess"
            )
        if self.min_tail_ess < ESS_PER_CHAIN * self.chains:
            out.append(
                "Tail Effective Samples Size (ESS) is too low, indicating posterior variances "
                "and tail quantiles may be unreliable. Running the chains for more iterations "
                f"may help. See {_URL}#tail-ess"
            )
        return tuple(out)


def diagnose(
    draws: Draws, columns: Sequence[str], *, adapt_delta: float, max_treedepth: int
) -> Diagnostics:
    """Check the post-warmup draws of a run.

    Parameters
    ----------
    draws
        The draws of the run.
    columns
        CSV columns whose R-hat and ESS are checked: every parameter and ``lp__``,
        as rstan does. Constant (fixed) parameters are skipped.
    adapt_delta, max_treedepth
        The run's settings.

    Returns
    -------
    Diagnostics
    """
    sampler = draws.sampler_diagnostics()
    table = np.array([convergence(draws.column(c)) for c in columns]).reshape(-1, 3)
    return Diagnostics(
        chains=draws.num_chains,
        divergent=int(sampler["divergent__"].sum()),
        adapt_delta=adapt_delta,
        treedepth_hits=int((sampler["treedepth__"] >= max_treedepth).sum()),
        max_treedepth=max_treedepth,
        low_bfmi_chains=int((bfmi(sampler["energy__"]) < BFMI_THRESHOLD).sum()),
        max_rhat=_extreme(np.max, table[:, 0]),
        min_bulk_ess=_extreme(np.min, table[:, 1]),
        min_tail_ess=_extreme(np.min, table[:, 2]),
    )


def _extreme(reduce: Callable[[np.ndarray], Any], values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(reduce(finite)) if finite.size else float("nan")
