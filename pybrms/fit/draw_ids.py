"""Which posterior draws a prediction uses: brms's ``ndraws`` and ``draw_ids``.

Draws are numbered ``1..S`` over chains, chain by chain, as in brms's
``as_draws_df`` (``.draw``). ``ndraws`` picks that many draws at random, without
replacement, as brms does; ``draw_ids`` picks the given ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pybrms.errors import SpecError

__all__ = ["pick_draw_ids", "select_draws"]


def select_draws(
    variables: Mapping[str, np.ndarray],
    *,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: np.random.Generator | None = None,
) -> Mapping[str, np.ndarray]:
    """A subset of the draws of every variable, shaped ``(1, n, *dims)``.

    Parameters
    ----------
    variables
        Stan variables, name -> ``(chains, draws, *dims)``.
    ndraws
        Number of draws picked at random without replacement; None for all.
    draw_ids
        1-based draw numbers to use (takes precedence over ``ndraws``).
    rng
        Random generator for ``ndraws``.

    Returns
    -------
    Mapping
        ``variables`` itself when neither ``ndraws`` nor ``draw_ids`` is given.

    Raises
    ------
    SpecError
        For ``ndraws`` outside ``1..S`` or a draw number outside ``1..S``.

    Examples
    --------
    >>> v = {"a": np.arange(6.0).reshape(2, 3)}
    >>> select_draws(v, draw_ids=[1, 6])["a"]
    array([[0., 5.]])
    >>> select_draws(v, ndraws=4, rng=np.random.default_rng(1))["a"].shape
    (1, 4)
    """
    if ndraws is None and draw_ids is None:
        return variables
    first = np.shape(next(iter(variables.values())))
    total = first[0] * first[1]
    ids = pick_draw_ids(total, ndraws=ndraws, draw_ids=draw_ids, rng=rng)
    assert ids is not None  # ndraws or draw_ids is given
    return {
        name: np.asarray(value).reshape(total, *np.shape(value)[2:])[ids - 1][np.newaxis]
        for name, value in variables.items()
    }


def pick_draw_ids(
    total: int,
    *,
    ndraws: int | None = None,
    draw_ids: Sequence[int] | None = None,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray | None:
    """The 1-based draws to use out of ``total``: ``draw_ids`` checked, or ``ndraws``
    picked at random without replacement; None for all draws. Lets several
    predictions of one call (such as ``posterior_epred`` and ``log_lik``) use the same draws.

    Raises
    ------
    SpecError
        For ``ndraws`` outside ``1..total`` or a draw number outside ``1..total``.

    Examples
    --------
    >>> pick_draw_ids(10, draw_ids=[3, 1]).tolist()
    [3, 1]
    >>> len(pick_draw_ids(10, ndraws=4, rng=1))
    4
    """
    if ndraws is None and draw_ids is None:
        return None
    if draw_ids is None:
        if (
            isinstance(ndraws, bool)
            or not isinstance(ndraws, int | np.integer)
            or not (1 <= ndraws <= total)
        ):
            raise SpecError(
                f"ndraws must be an integer between 1 and the number of draws ({total}), "
                f"got {ndraws!r}."
            )
        return np.random.default_rng(rng).choice(total, size=int(ndraws), replace=False) + 1
    ids = np.asarray(draw_ids)
    if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise SpecError(f"draw_ids must be a non-empty sequence of integers, got {draw_ids!r}.")
    bad = ids[(ids < 1) | (ids > total)]
    if bad.size:
        raise SpecError(f"draw_ids must lie in 1..{total}; got {int(bad[0])}.")
    return ids
