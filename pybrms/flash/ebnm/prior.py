"""The fitted prior ``g`` of an EBNM problem, as one frozen value object."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pybrms.errors import FlashError
from pybrms.flash.ebnm.data import NormalMeans


@dataclass(frozen=True)
class Prior:
    """A prior g for the normal-means problem, from one of the EBNM families.

    Attributes
    ----------
    family : str
        Name of the family in :data:`pybrms.flash.ebnm.FAMILIES`.
    pi0 : float
        Prior probability of the point mass at ``mode``. For ``normal_scale_mixture``
        this is the weight of the zero-sd component, ``weights[0]``.
    scale : float or None
        Scale of the continuous part: the standard deviation for ``normal`` and
        ``point_normal``, and ``1 / rate`` for ``point_laplace`` and
        ``point_exponential``. None for ``normal_scale_mixture``.
    mode : float
        Location of the point mass and centre (or, for ``point_exponential``, left
        end) of the continuous part.
    weights, sds : tuple of float
        Mixture weights and component standard deviations of ``normal_scale_mixture``
        (``sds[0] == 0``); empty for the other families.

    Examples
    --------
    >>> g = Prior("point_normal", pi0=0.8, scale=2.0)
    >>> round(float(g.log_likelihood(np.array([0.0, 3.0]), 1.0)), 4)
    -5.0505
    """

    family: str
    pi0: float = 0.0
    scale: float | None = None
    mode: float = 0.0
    # any sequence or array of floats; stored as a tuple of Python floats
    weights: tuple[float, ...] | np.ndarray = ()
    sds: tuple[float, ...] | np.ndarray = ()

    @property
    def slab_scale(self) -> float:
        """:attr:`scale`, for the families whose prior has one (all but
        ``normal_scale_mixture``).

        Examples
        --------
        >>> Prior("point_normal", pi0=0.5, scale=2.0).slab_scale
        2.0
        """
        if self.scale is None:
            raise FlashError(f"a {self.family} prior has no scale")
        return self.scale

    def __post_init__(self) -> None:
        # tolist() turns numpy arrays (and sequences) into Python floats in one call
        object.__setattr__(self, "weights", tuple(np.asarray(self.weights, dtype=float).tolist()))
        object.__setattr__(self, "sds", tuple(np.asarray(self.sds, dtype=float).tolist()))
        if not 0.0 <= self.pi0 <= 1.0:
            raise FlashError(f"Prior.pi0 must lie in [0, 1]; got {self.pi0}.")
        if self.scale is not None and not 0.0 < self.scale < math.inf:
            raise FlashError(f"Prior.scale must be positive and finite; got {self.scale}.")
        if not math.isfinite(self.mode):
            raise FlashError(f"Prior.mode must be finite; got {self.mode}.")
        if len(self.weights) != len(self.sds):
            raise FlashError(
                f"Prior.weights and Prior.sds differ in length "
                f"({len(self.weights)} != {len(self.sds)})."
            )
        if min(self.weights, default=0.0) < 0.0 or min(self.sds, default=0.0) < 0.0:
            raise FlashError("Prior.weights and Prior.sds must be nonnegative.")

    @property
    def rate(self) -> float:
        """Rate ``1 / scale`` of a Laplace or exponential slab.

        Examples
        --------
        >>> Prior("point_laplace", pi0=0.5, scale=4.0).rate
        0.25
        """
        if self.scale is None:
            raise FlashError(f"A {self.family} prior has no single scale, hence no rate.")
        return 1.0 / self.scale

    def log_marginal(self, x: np.ndarray, s: np.ndarray | float) -> np.ndarray:
        """log p(x_i | g) for each observation; 0 where ``s`` is infinite.

        Where ``s == 0`` the value is the log density of g itself at ``x`` (with
        respect to Lebesgue measure plus a unit atom at the mode).

        Examples
        --------
        >>> Prior("normal", scale=1.0).log_marginal(np.array([0.0]), 1.0).round(4)
        array([-1.2655])
        """
        # Imported here because the family modules import Prior.
        from pybrms.flash.ebnm.families import get_family

        return get_family(self.family).log_marginal(self, NormalMeans.from_arrays(x, s))

    def log_likelihood(self, x: np.ndarray, s: np.ndarray | float) -> float:
        """sum_i log p(x_i | g), the quantity maximized by the EBNM fit.

        Examples
        --------
        >>> round(Prior("normal", scale=1.0).log_likelihood(np.array([0.0, 0.0]), 1.0), 4)
        -2.531
        """
        return float(np.sum(self.log_marginal(x, s)))
