"""A shrinkage prior on the coefficients ``b`` of one predictor, resolved for the model.

As brms (``stan_special_prior`` and ``stan_prior_non_centered`` in
``R/stan-prior.R``, ``data_special_prior`` in ``R/data-predictor.R``), the
coefficients of a predictor whose class ``b`` has a ``horseshoe()`` or ``R2D2()``
prior are ``b = zb .* sdb`` with ``zb`` standard normal and the scales ``sdb``:

* horseshoe: ``sdb = scales_horseshoe(hs_local, hs_global, hs_scale_slab^2 * hs_slab)``
  with half-Student-t ``hs_local`` (df ``hs_df``) and ``hs_global`` (df
  ``hs_df_global``, scale ``hs_scale_global``, times ``sigma`` when autoscaled) and
  inverse-gamma ``hs_slab`` (``hs_df_slab / 2``, ``hs_df_slab / 2``);
* R2D2: ``sdb = sqrt(R2D2_phi * R2D2_tau2)``, ``R2D2_tau2 = R2D2_R2 / (1 - R2D2_R2)``
  (times ``sigma^2`` when autoscaled), beta ``R2D2_R2`` and Dirichlet ``R2D2_phi``.

Every argument of the prior is Stan data, by brms's names; the names of the
variables take the predictor's suffix (``hs_global_sigma``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pybrms.errors import SpecError
from pybrms.shrinkage import R2D2, Horseshoe, Shrinkage
from pybrms.spec.default_priors import PriorTable
from pybrms.spec.names import ParName
from pybrms.spec.terms import FixedEffects, Term
from pybrms.spec.terms.base import dpar_label

__all__ = ["ShrinkagePrior", "with_shrinkage"]


@dataclass(frozen=True)
class ShrinkagePrior:
    """A shrinkage prior on the coefficients ``b`` of one predictor.

    Attributes
    ----------
    prior
        The prior as the user set it.
    dpar
        The predictor's distributional parameter (``"mu"``, ``"sigma"``, ...).
    size
        The Stan size of ``b`` (``"Kc"``, ``"K_sigma"``, ...): also ``Kscales``.
    n
        The number of coefficients.
    autoscale
        Whether the global scale is multiplied by ``sigma`` (by ``sigma^2`` for
        R2D2): asked for, for ``mu`` of a family whose ``sigma`` is estimated and
        not predicted, as brms's ``simple_sigma``.
    nobs
        The number of observations, for ``par_ratio``.

    Examples
    --------
    >>> from pybrms.shrinkage import parse_shrinkage
    >>> s = ShrinkagePrior(parse_shrinkage("horseshoe(par_ratio = 0.5)"), "mu", "Kc", 3, True, 25)
    >>> s.standata()["hs_scale_global"], s.scale_global_code
    (0.1, 'hs_scale_global * sigma')
    """

    prior: Shrinkage
    dpar: str
    size: str
    n: int
    autoscale: bool
    nobs: int

    @property
    def kind(self) -> str:
        """``"horseshoe"`` or ``"R2D2"``: which macros of the template apply."""
        return self.prior.name

    def stan(self, name: str) -> str:
        """The Stan name of ``name`` in this predictor (``hs_global_sigma`` for sigma)."""
        return name if self.dpar == "mu" else f"{name}_{self.dpar}"

    @property
    def scale_global_code(self) -> str:
        """The scale of the prior of ``hs_global``, as Stan code."""
        code = self.stan("hs_scale_global")
        return f"{code} * sigma" if self.autoscale else code

    @property
    def tau2_factor(self) -> str:
        """What multiplies ``R2D2_R2 / (1 - R2D2_R2)`` in ``R2D2_tau2``, as Stan code."""
        return "sigma^2 * " if self.autoscale else ""

    def standata(self) -> dict[str, object]:
        """``Kscales`` and the prior's arguments, by brms's names."""
        out: dict[str, object] = {self.stan("Kscales"): self.n}
        p = self.prior
        if isinstance(p, Horseshoe):
            scale_global = p.scale_global
            if p.par_ratio is not None:
                scale_global = p.par_ratio / math.sqrt(self.nobs)
            values = {
                "hs_df": p.df,
                "hs_df_global": p.df_global,
                "hs_df_slab": p.df_slab,
                "hs_scale_global": scale_global,
                "hs_scale_slab": p.scale_slab,
            }
            return out | {self.stan(k): v for k, v in values.items()}
        out[self.stan("R2D2_mean_R2")] = p.mean_R2
        out[self.stan("R2D2_prec_R2")] = p.prec_R2
        out[self.stan("R2D2_cons_D2")] = np.full(self.n, p.cons_D2)
        return out

    def par_names(self, coefs: Sequence[str]) -> tuple[ParName, ...]:
        """The variables brms keeps in a fit: ``sdb_<coef>`` and the global parameters
        (``hs_global``, ``hs_slab``; ``R2D2_R2``, ``R2D2_tau2``); not ``zb``,
        ``hs_local``, ``R2D2_phi`` nor ``scales`` (brms's ``exclude_pars``)."""
        sdb = self.stan("sdb")
        out = [ParName(sdb, (k,), f"{sdb}_{c}", "sdb", self.dpar) for k, c in enumerate(coefs, 1)]
        cls, names = (
            ("hs", ("hs_global", "hs_slab"))
            if self.kind == "horseshoe"
            else ("R2D2", ("R2D2_R2", "R2D2_tau2"))
        )
        out += [ParName(self.stan(n), (), self.stan(n), cls, self.dpar) for n in names]
        return tuple(out)


def with_shrinkage(
    terms: tuple[Term, ...], priors: PriorTable, *, sigma: bool, nobs: int
) -> tuple[Term, ...]:
    """The terms of one predictor, its population-level effects carrying the shrinkage
    prior set on its class ``b``, if any.

    Parameters
    ----------
    terms
        The predictor's terms.
    priors
        The prior table, user priors merged.
    sigma
        Whether the family has a ``sigma`` that is estimated and not predicted.
    nobs
        The number of observations.

    Raises
    ------
    SpecError
        When a coefficient of the class also has a prior of its own, or other terms
        of the predictor (``mo()``) have coefficients of class ``b``, as brms
        does not allow or pybrms does not support yet.
    """
    if not terms:
        return terms
    fixed = next((t for t in terms if isinstance(t, FixedEffects)), None)
    d = dpar_label(terms[0].dpar)
    class_row = priors.by_key().get(("b", "", "", d))
    if class_row is None or not isinstance(class_row.prior, Horseshoe | R2D2):
        return terms
    where = f"prior {str(class_row.prior)!r} on class 'b'" + (f" of dpar {d!r}" if d else "")
    own = [
        r for r in priors.rows if r.cls == "b" and r.dpar == d and r.coef and r.prior is not None
    ]
    if own:
        raise SpecError(
            f"{where}: a shrinkage prior covers the whole class, so coefficient "
            f"{own[0].coef!r} cannot have a prior of its own ({own[0].prior}), as in brms; "
            "remove one of the two"
        )
    for term in terms:
        others = [
            t.stan
            for t in term.prior_targets()
            if term is not fixed and t.chains and t.chains[0][-1] == ("b", "", "", d)
        ]
        if others:
            raise SpecError(
                f"{where}: the coefficients {others[0]!r} of {type(term).__name__} in the "
                "same predictor are of class 'b' too, and shrinkage priors on them are not "
                "supported yet; use the shrinkage prior in a predictor with population-level "
                "effects only"
            )
    assert fixed is not None and fixed.coefs  # the class row comes from the coefficients
    shrinkage = ShrinkagePrior(
        class_row.prior,
        fixed.dpar,
        fixed.stan("Kc" if fixed.intercept else "K"),
        len(fixed.coefs),
        class_row.prior.autoscale and sigma and fixed.dpar == "mu",
        nobs,
    )
    return tuple(replace(t, shrinkage=shrinkage) if t is fixed else t for t in terms)
