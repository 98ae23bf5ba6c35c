"""User priors (:func:`pybrms.priors.prior`) as rows of the prior table."""

from __future__ import annotations

from pybrms.errors import SpecError
from pybrms.priors import Dist, Priors
from pybrms.spec.default_priors import PriorRow

__all__ = ["user_prior_rows"]


def user_prior_rows(prior: Priors | None) -> list[PriorRow]:
    """Rows for the user's priors, in brms's internal spelling.

    ``lkj(eta)`` becomes ``lkj_corr_cholesky(eta)`` and class ``L`` becomes
    ``cor``, as brms does before it merges user and default priors.

    Examples
    --------
    >>> from pybrms.priors import prior
    >>> [str(r.prior) for r in user_prior_rows(prior("lkj(2)", class_="cor"))]
    ['lkj_corr_cholesky(2)']
    >>> user_prior_rows(None)
    []
    """
    if prior is None:
        return []
    if not isinstance(prior, Priors):
        raise SpecError(
            f"prior must be built with pybrms.prior(...) (combine several with +), "
            f"got {type(prior).__name__}."
        )
    rows = []
    for row in prior:
        dist = row.dist
        if isinstance(dist, Dist) and dist.name == "lkj":
            dist = Dist("lkj_corr_cholesky", dist.args)
        cls = "cor" if row.class_ == "L" else row.class_
        rows.append(
            PriorRow(
                dist,
                cls,
                row.coef,
                row.group,
                row.dpar,
                lb=row.lb,
                ub=row.ub,
                nlpar=row.nlpar,
                source="user",
                resp=row.resp,
            )
        )
    return rows
