"""brm()'s ``sample_prior``: draws from the priors, and sampling from the priors only.

``sample_prior="yes"`` adds, as brms, one draw from each prior statement of the
prior table to the generated quantities: ``prior_<class>`` for a prior on a
whole class (``prior_b``, ``prior_Intercept``, ``prior_sigma``,
``prior_sd_<group>``, ``prior_cor_<group>``) and ``prior_<parameter>`` for a
prior on one coefficient (``prior_b_x``). Priors truncated at the parameter's
bounds are drawn by rejection, as brms does. ``"only"`` drops the likelihood
through the ``prior_only`` data flag, so it runs the same program as ``"no"``;
it needs a proper prior on every parameter (:func:`check_proper_priors`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pybrms.errors import SpecError
from pybrms.spec.default_priors import PriorStatement, PriorTable, PriorTarget, prior_statements

__all__ = [
    "SAMPLE_PRIOR",
    "PriorDraw",
    "SamplePrior",
    "check_proper_priors",
    "check_sample_prior",
    "prior_draws",
]

SamplePrior = Literal["no", "yes", "only"]
SAMPLE_PRIOR: tuple[SamplePrior, ...] = ("no", "yes", "only")


@dataclass(frozen=True)
class PriorDraw:
    """One draw from one prior statement, a generated quantity.

    Attributes
    ----------
    stan
        The Stan variable, ``prior_<variable>`` (``prior_b__2`` for element 2).
    name
        brms's name of the draws, ``prior_<label>`` (``prior_b_x``, ``prior_sd_g``).
    statement
        The prior: distribution, arguments (Stan data) and truncation bounds.
    size
        For an lkj prior, the size of the correlation matrix (a draw is its
        element ``[1, 2]``, as brms); ``""`` otherwise.
    """

    stan: str
    name: str
    statement: PriorStatement
    size: str = ""


def check_sample_prior(value: object) -> SamplePrior:
    """``"no"``, ``"yes"`` or ``"only"``; brms's ``TRUE``/``FALSE`` as ``"yes"``/``"no"``.

    Raises
    ------
    SpecError
        For any other value.

    Examples
    --------
    >>> check_sample_prior(True), check_sample_prior("only")
    ('yes', 'only')
    """
    if value is True or value is False:
        return "yes" if value else "no"
    if value not in SAMPLE_PRIOR:
        raise SpecError(
            f"sample_prior must be one of {', '.join(map(repr, SAMPLE_PRIOR))} (or True/False); "
            f"got {value!r}."
        )
    return value


def prior_draws(table: PriorTable, targets: Sequence[PriorTarget]) -> tuple[PriorDraw, ...]:
    """The draws ``sample_prior="yes"`` adds: one per (non-flat, non-constant) prior statement
    on a scalar or vector element (the simplexes of ``mo()`` terms get none yet).

    Examples
    --------
    >>> from pybrms.priors import Dist
    >>> from pybrms.spec.default_priors import PriorRow
    >>> table = PriorTable((PriorRow(Dist("normal", (0, 1)), "b"),
    ...                     PriorRow(Dist("normal", (0, 5)), "b", "z")))
    >>> chains = tuple((("b", c, "", ""), ("b", "", "", "")) for c in ("x", "z"))
    >>> target = PriorTarget("b", chains, element_labels=("b_x", "b_z"))
    >>> [(d.stan, d.name) for d in prior_draws(table, [target])]
    [('prior_b__1', 'prior_b_x'), ('prior_b__2', 'prior_b_z')]
    """
    by_stan = {t.stan: t for t in targets}
    out: list[PriorDraw] = []
    for s in prior_statements(table, targets):
        if s.own_args:  # simplexes (Dirichlet draws are vectors): not drawn yet
            continue
        # a target may be one element of an array: L_1[2], a Cholesky factor per level of by
        target = by_stan.get(s.target) or by_stan[s.variable]
        stan = f"prior_{s.variable}" + ("" if s.element is None else f"__{s.element}")
        if any(d.stan == stan for d in out):  # those factors share brms's one prior_cor_g
            continue
        name = f"prior_{target.draw_label(s.element)}"
        out.append(PriorDraw(stan, name, s, target.size))
    return tuple(out)


def check_proper_priors(table: PriorTable, targets: Iterable[PriorTarget]) -> None:
    """Refuse ``sample_prior="only"`` while a parameter has brms's improper flat prior.

    Raises
    ------
    SpecError
        Naming the class and the coefficients with a flat prior.

    Examples
    --------
    >>> from pybrms.spec.default_priors import PriorRow
    >>> chains = ((("b", "x", "", ""), ("b", "", "", "")),)
    >>> check_proper_priors(PriorTable((PriorRow(None, "b"),)), [PriorTarget("b", chains)])
    Traceback (most recent call last):
    ...
    pybrms.errors.SpecError: sample_prior='only' samples from the priors alone, ...
    """
    for target in targets:
        flat = [chain[0] for chain in target.chains if table.resolve_row(chain) is None]
        if not flat:
            continue
        cls, _, group, dpar = flat[0]
        coefs = ", ".join(repr(key[1]) for key in flat if key[1])
        where = f"class {cls!r}" + (f" (dpar {dpar!r})" if dpar else "")
        where += f" (group {group!r})" if group else ""
        where += f", coefficient(s) {coefs}" if coefs else ""
        raise SpecError(
            f"sample_prior='only' samples from the priors alone, so every parameter needs a "
            f"proper prior, but {where} has the improper flat prior. Set one, e.g. "
            f"prior('normal(0, 5)', class_={cls!r}" + (f", dpar={dpar!r}" if dpar else "") + ")."
        )
