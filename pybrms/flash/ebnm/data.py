"""Validated observations (x, s) of a normal-means problem, split by kind of s."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pybrms.errors import FlashError


@dataclass(frozen=True)
class NormalMeans:
    """Observations x_i ~ N(theta_i, s_i^2), with s_i in [0, inf].

    Three kinds of observation are treated differently by every family:

    * ``0 < s < inf`` (``regular``): the ordinary case.
    * ``s == 0`` (``exact``): theta_i = x_i is known; x_i still informs g through the
      density of g at x_i.
    * ``s == inf``: x_i carries no information; its posterior is the prior.

    Build instances with :meth:`from_arrays`, which validates the input.

    Examples
    --------
    >>> d = NormalMeans.from_arrays(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, np.inf]))
    >>> d.regular.tolist(), d.exact.tolist(), d.informative.tolist()
    ([True, False, False], [False, True, False], [True, True, False])
    """

    x: np.ndarray
    s: np.ndarray

    @classmethod
    def from_arrays(cls, x: np.ndarray, s: np.ndarray | float) -> NormalMeans:
        """Check and broadcast user input; raise FlashError naming the problem.

        Examples
        --------
        >>> NormalMeans.from_arrays([0.5, 1.0], 2.0).s.tolist()
        [2.0, 2.0]
        """
        x = np.asarray(x, dtype=float)
        s = np.asarray(s, dtype=float)
        if x.ndim != 1:
            raise FlashError(f"x must be a 1-d array; got shape {x.shape}.")
        if s.ndim == 0:
            s = np.full_like(x, float(s))
        if s.shape != x.shape:
            raise FlashError(f"x and s must have the same length; got {x.size} and {s.size}.")
        if not np.isfinite(x).all():
            raise FlashError("x must be finite; it contains NaN or infinite values.")
        if not (s >= 0.0).all():  # also false for NaN
            raise FlashError("s must be nonnegative (np.inf allowed); it contains NaN or s < 0.")
        return cls(x, s)

    @cached_property
    def regular(self) -> np.ndarray:
        """Mask of observations with 0 < s < inf."""
        return (self.s > 0.0) & np.isfinite(self.s)

    @cached_property
    def all_regular(self) -> bool:
        """Whether every observation is regular (the common case, with no special rows)."""
        return bool(self.regular.all())

    @cached_property
    def exact(self) -> np.ndarray:
        """Mask of observations with s == 0 (theta known exactly)."""
        return self.s == 0.0

    @cached_property
    def informative(self) -> np.ndarray:
        """Mask of observations that inform g (finite s)."""
        return np.isfinite(self.s)

    def scaled(self, factor: float) -> NormalMeans:
        """The same problem in units of ``factor`` (x and s divided by it).

        Examples
        --------
        >>> NormalMeans.from_arrays([4.0], 2.0).scaled(2.0).x.tolist()
        [2.0]
        """
        return NormalMeans(self.x / factor, self.s / factor)

    def typical_scale(self) -> float:
        """median(s) over 0 < s < inf, or 1 when there is no such s.

        The parametric fits work in these units, as ebnm does, so that the optimizer
        sees parameters of order one whatever the units of x.

        Examples
        --------
        >>> NormalMeans.from_arrays([0.0, 0.0, 0.0], [0.0, 3.0, np.inf]).typical_scale()
        3.0
        """
        s = self.s if self.all_regular else self.s[self.regular]
        if not s.size:
            return 1.0
        low = s.min()
        # One s for all (flash with a constant τ): skip the median's partial sort.
        return float(low) if low == s.max() else float(np.median(s))
