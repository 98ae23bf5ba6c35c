"""ebnm's default grid of standard deviations for normal scale mixtures.

The grid is geometric in variance, sigma_k^2 = min(s)^2 (mult^(k-1) - 1), with the
ratio ``mult`` chosen so that approximating any scale mixture of normals on the grid
costs at most KL = 1/n per observation. ebnm reads that ratio from an internal table
(``smngrid``). Here the table was computed by Gauss-Hermite quadrature and two nested
one-dimensional optimizations (FLASH.md section 6.5, :func:`compute_smn_kl_table`)
and is stored below, because computing it takes seconds; a test recomputes it.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize_scalar

_TABLE_SIZE = 100
_MULT_RANGE = (1.025, 4.0)
_QUADRATURE_NODES = 80

# compute_smn_kl_table()[0], to 17 significant digits.
# fmt: off
_SMN_KL = np.array([
    4.353082699859456e-09, 5.122068680654679e-09, 6.026863540349592e-09, 7.0914424749046745e-09,
    8.344010642147293e-09, 9.817748421528383e-09, 1.1551688480770927e-08, 1.3591746417587758e-08,
    1.5991933157918914e-08, 1.881578032096598e-08, 2.2138015970743496e-08, 2.6046534658263898e-08,
    3.0644713338093266e-08, 3.6054133399285315e-08, 4.241777997425478e-08, 4.990380197966715e-08,
    5.8709929855182974e-08, 6.906866672345968e-08, 8.125338659195624e-08, 9.558549681973338e-08,
    1.124428517951942e-07, 1.322696308227872e-07, 1.5558793652753478e-07, 1.8301140958243423e-07,
    2.1526120688036832e-07, 2.5318474976970817e-07, 2.9777771778233264e-07, 3.502098431529266e-07,
    4.118551542413307e-07, 4.843274265774189e-07, 5.695217244923445e-07, 6.696630634080158e-07,
    7.87363395059193e-07, 9.256883123469339e-07, 1.0882351015074898e-06, 1.2792240326395254e-06,
    1.5036050844650928e-06, 1.7671826527780599e-06, 2.076761198208793e-06, 2.4403152521987326e-06,
    2.8671877427728643e-06, 3.3683212105339866e-06, 3.956527193198223e-06, 4.646799860660855e-06,
    5.456680899317001e-06, 6.40668369059072e-06, 7.520786014389436e-06, 8.8270018533676e-06,
    1.0358044396301114e-05, 1.2152094053675955e-05, 1.425368723392828e-05, 1.6714743794971065e-05,
    1.959575351901527e-05, 2.296714466930999e-05, 2.6910860713227902e-05, 3.1522174651528456e-05,
    3.6911774112767526e-05, 4.3208154477322736e-05, 5.056036181474294e-05, 5.914113237982799e-05,
    6.915048083705466e-05, 8.081979530415173e-05, 9.441650373602506e-05, 0.00011024938314607713,
    0.00012867459068692522, 0.00015010250372282652, 0.00017500546472218326, 0.00020392653610087907,
    0.0002374893800647926, 0.00027640938903171486, 0.0003215062033670585, 0.00037371776493545783,
    0.0004341160673412142, 0.0005039247766890631, 0.0005845389102178272, 0.0006775467742063945,
    0.0007847543770830023, 0.0009082125486181147, 0.0010502470113830653, 0.001213491666203853,
    0.0014009253690217827, 0.0016159124922349444, 0.0018622475790589788, 0.0021442044144819594,
    0.0024665898507268413, 0.0028348027384478003, 0.0032548983267708664, 0.0037336585052773485,
    0.004278668268562075, 0.004898398788417274, 0.005602297479239932, 0.0064008854380566416,
    0.007305862630607951, 0.008330221178116187, 0.009488367074431847, 0.010796250628839266,
    0.012271505884407119, 0.01393359920373638, 0.015803987141472353, 0.017906283634077202,
])
# fmt: on


def _worst_case_kl(mult: float, z: np.ndarray, w: np.ndarray) -> float:
    """Worst-case KL of approximating N(0, s2), 1 <= s2 <= mult, on the grid {1, mult}.

    That is max over s2 in [1, mult] of min over omega of
    KL(N(0, s2) || omega N(0, 1) + (1 - omega) N(0, mult)).
    The expectation over x ~ N(0, s2) is written with x = sqrt(s2) z, z ~ N(0, 1), and
    taken by Gauss-Hermite quadrature (nodes z, weights w summing to one).
    """
    half_z2 = 0.5 * z**2

    def kl(s2: float, omega: float) -> float:
        near = np.log(omega) + half_z2 * (1.0 - s2)
        far = np.log1p(-omega) + half_z2 * (1.0 - s2 / mult) - 0.5 * np.log(mult)
        return float(-w @ np.logaddexp(near, far) - 0.5 * np.log(s2))

    def best_kl(s2: float) -> float:
        res = minimize_scalar(
            lambda omega: kl(s2, omega),
            bounds=(0.0, 1.0),
            method="bounded",
            options={"xatol": 1e-10},
        )
        return float(res.fun)

    res = minimize_scalar(
        lambda s2: -best_kl(s2), bounds=(1.0, mult), method="bounded", options={"xatol": 1e-10}
    )
    return -float(res.fun)


def _table_mults() -> np.ndarray:
    lo, hi = np.log(np.log(_MULT_RANGE[0])), np.log(np.log(_MULT_RANGE[1]))
    return np.exp(np.exp(np.linspace(lo, hi, _TABLE_SIZE)))


@cache
def smn_kl_table() -> tuple[np.ndarray, np.ndarray]:
    """(KL, mult) pairs of ebnm's ``smngrid``, increasing in both (the stored table).

    Examples
    --------
    >>> kl, mult = smn_kl_table()
    >>> kl.size, bool(np.all(np.diff(kl) > 0)), round(float(mult[-1]), 6)
    (100, True, 4.0)
    """
    return _SMN_KL, _table_mults()


def compute_smn_kl_table() -> tuple[np.ndarray, np.ndarray]:
    """Recompute the (KL, mult) table by quadrature (seconds; the stored copy is used)."""
    mult = _table_mults()
    z, w = hermegauss(_QUADRATURE_NODES)
    w = w / np.sum(w)
    return np.array([_worst_case_kl(m, z, w) for m in mult]), mult


def scale_mixture_grid(
    x: np.ndarray,
    s: np.ndarray,
    mode: float,
    *,
    kl_target: float | None = None,
    min_k: int = 3,
    max_k: int = 300,
) -> np.ndarray:
    """Grid of standard deviations (the first is 0) for a normal scale mixture prior.

    Parameters
    ----------
    x, s : numpy.ndarray
        Observations and their standard errors, ``0 < s < inf``.
    mode : float
        Centre of the mixture.
    kl_target : float, optional
        Per-observation KL budget of the grid approximation; 1 / len(x) by default.
    min_k, max_k : int
        Bounds on the number of grid points.

    Examples
    --------
    >>> sds = scale_mixture_grid(np.array([-3.0, 0.5, 9.0]), np.ones(3), 0.0)
    >>> sds[0], sds.size >= 3, bool(sds[-1] ** 2 >= 81.0)
    (np.float64(0.0), True, True)
    """
    if kl_target is None:
        kl_target = 1.0 / x.size
    min_s2 = float(np.min(s)) ** 2
    ratio = max(float(np.max((x - mode) ** 2)) / min_s2, 1.0)
    max_mult = (ratio + 1.0) ** (1.0 / (min_k - 1)) + 1e-8
    min_mult = max_mult ** ((min_k - 1) / (max_k - 1)) - 1e-8
    kl, mult_table = smn_kl_table()
    mult = float(np.interp(np.log(kl_target), np.log(kl), mult_table))
    mult = min(max(mult, min_mult), max_mult)
    k = int(np.ceil(np.log(ratio + 1.0) / np.log(mult))) + 1
    return np.sqrt(min_s2 * (mult ** np.arange(k) - 1.0))
