"""mgcv's spline bases and brms's mixed-model form of them, in numpy.

brms builds a smooth term with mgcv: ``smoothCon(..., absorb.cons = TRUE,
modCon = 3, diagonal.penalty = TRUE)`` then ``smooth2random(..., type = 2)``
(``R/brmsframe.R`` ``frame_basis_sm``), and evaluates it at any rows through
``PredictMat`` and the same transformation (``s2rPred``). This module does the
same for the bases pybrms supports:

* ``tp``, the thin plate regression spline of one or more covariates
  (``smooth.construct.tp.smooth.spec``, ``src/tprs.c`` ``tprs_setup``);
* ``cr``, the cubic regression spline (``smooth.construct.cr.smooth.spec``,
  ``src/mgcv.c`` ``crspl``);
* ``cc``, the cyclic cubic regression spline (``smooth.construct.cc.smooth.spec``);
* ``t2``, the tensor product of such margins with one ridge penalty per
  product of range and null spaces (``smooth.construct.t2.smooth.spec``).

A basis need only match mgcv up to a change of basis that keeps the span and the
penalty: the mixed-model form then gives the same model. One representation
detail does matter: mgcv rescales each penalty by the norms of the constructor's
model matrix and penalty (``scale.penalty``), which sets the scale of the
smoothing standard deviations ``sds``; that scale is reproduced exactly
(including the thin plate basis's Householder construction it depends on).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from math import comb, pi, sqrt

import numpy as np

from pybrms.errors import SpecError

__all__ = [
    "Basis",
    "CubicRegression",
    "Cyclic",
    "MixedSmooth",
    "TensorT2",
    "ThinPlate",
    "mixed_smooth",
]

#: mgcv's limit on the unique covariate values of a thin plate basis; above it
#: mgcv draws a random subset of knots, which cannot be reproduced.
TP_MAX_KNOTS = 2000


class Basis(ABC):
    """A spline basis as mgcv's constructor returns it: a model matrix at any rows
    and its penalties, before constraints.

    Attributes
    ----------
    k
        Number of columns (basis dimension).
    penalties
        Penalty matrices ``(k, k)``, one per smoothing parameter.
    ranks
        Rank of each penalty.
    """

    k: int
    penalties: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]

    @abstractmethod
    def design(self, x: np.ndarray) -> np.ndarray:
        """The model matrix ``(n, k)`` at covariate rows ``x`` ``(n, d)``."""

    def constraint(self, X: np.ndarray) -> np.ndarray | int:
        """mgcv's identifiability constraint from the model matrix at the fitted
        rows: a ``(1, k)`` matrix (its rows sum to zero), or the 0-based column
        set to zero."""
        return X.mean(axis=0, keepdims=True)


# --- thin plate regression splines ----------------------------------------


def _tp_order(d: int) -> int:
    """mgcv's default penalty order: the smallest m with 2m > d + 1."""
    return (d + 3) // 2


def _eta_const(m: int, d: int) -> float:
    """The constant of the thin plate radial function (``eta_const`` of tprs.c)."""
    if d % 2 == 0:
        f = -1.0 if (m + 1 + d // 2) % 2 else 1.0
        f /= 2.0 ** (2 * m - 1) * pi ** (d // 2)
        for i in range(2, m):
            f /= i
        for i in range(2, m - d // 2 + 1):
            f /= i
        return f
    f = sqrt(pi)
    for i in range(m - (d - 1) // 2):
        f /= -0.5 - i
    f /= 4.0**m * pi ** (d // 2) * sqrt(pi)
    for i in range(2, m):
        f /= i
    return f


def _eta(r2: np.ndarray, m: int, d: int) -> np.ndarray:
    """The radial function at squared distances ``r2`` (``fast_eta`` of tprs.c)."""
    f = _eta_const(m, d)
    out = np.zeros_like(r2)
    pos = r2 > 0
    r = r2[pos]
    if d % 2 == 0:
        out[pos] = f * 0.5 * np.log(r) * r ** (m - d // 2)
    else:
        out[pos] = f * r ** (m - d // 2 - 1) * np.sqrt(r)
    return out


def _poly_powers(d: int, m: int) -> np.ndarray:
    """Powers ``(M, d)`` of the polynomials spanning the penalty's null space, in
    mgcv's order (``gen_tps_poly_powers``): 1, x, z, ... for m = 2."""
    M = comb(m + d - 1, d)
    index = [0] * d
    out = np.zeros((M, d), dtype=int)
    for i in range(M):
        out[i] = index
        total = sum(index)
        if total < m - 1:
            index[0] += 1
            continue
        total -= index[0]
        index[0] = 0
        for j in range(1, d):
            index[j] += 1
            total += 1
            if total == m:
                total -= index[j]
                index[j] = 0
            else:
                break
    return out


def _householder_null(A: np.ndarray) -> np.ndarray:
    """Orthogonal ``Q`` with ``A Q = [0, B]``, by mgcv's Householder steps (``QT`` of
    matrix.c); the first ``k - rows`` columns of ``Q`` span the null space of ``A``."""
    A = np.array(A, dtype=float)
    rows, k = A.shape
    Q = np.eye(k)
    for i in range(rows):
        n = k - i
        u = A[i, :n].copy()
        size = np.abs(u).max()
        if size:
            u /= size
        norm = np.sqrt(u @ u)
        if u[-1] < 0:
            norm = -norm
        u[-1] += norm
        g = 1.0 / (norm * u[-1]) if norm else 0.0
        A[i + 1 :, :n] -= g * np.outer(A[i + 1 :, :n] @ u, u)
        Q[:, :n] -= g * np.outer(Q[:, :n] @ u, u)
    return Q


@dataclass(frozen=True, eq=False)
class ThinPlate(Basis):
    """mgcv's thin plate regression spline (``bs = "tp"``) of ``d`` covariates.

    The radial basis at the unique covariate values is truncated to the ``k - M``
    eigenvectors of largest eigenvalue magnitude, constrained orthogonal to the
    ``M`` polynomials of the penalty's null space, which are appended; columns are
    scaled to unit root mean square, as tprs.c does.
    """

    k: int
    penalties: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    m: int
    shift: np.ndarray
    knots: np.ndarray
    powers: np.ndarray
    UZ: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, k: int | None, what: str, m: int | None = None) -> ThinPlate:
        """The basis of covariate rows ``x`` ``(n, d)`` with dimension ``k`` and penalty
        order ``m`` (mgcv's defaults when None); ``what`` names the term in errors."""
        x = np.asarray(x, dtype=float)
        d = x.shape[1]
        m = _tp_order(d) if m is None else m
        powers = _poly_powers(d, m)
        M = len(powers)
        if k is None:
            k = M + (8, 27, 100)[min(d, 3) - 1]
        if k < M + 1:
            covariates = "1 covariate" if d == 1 else f"{d} covariates"
            raise SpecError(f"{what} needs k >= {M + 1} (the thin plate basis of {covariates}).")
        shift = x.mean(axis=0)
        knots = np.unique(x - shift, axis=0)
        if len(knots) > TP_MAX_KNOTS:
            raise SpecError(
                f"{what} has {len(knots)} unique covariate values; for more than "
                f"{TP_MAX_KNOTS} mgcv's thin plate basis draws random knots, which pybrms "
                "cannot reproduce. Use bs = 'cr' (one covariate) or t2()."
            )
        if len(knots) < k:
            raise SpecError(
                f"{what} has {len(knots)} unique covariate values, fewer than its basis "
                f"dimension k = {k}; reduce k."
            )
        E = _eta(_sq_dist(knots, knots), m, d)
        T = _poly(knots, powers)
        if len(knots) == k:  # the basis is the full spline: no eigen step (tprs.c)
            U, D = np.eye(k), E
        else:
            values, vectors = np.linalg.eigh(E)
            keep = np.sort(np.argsort(-np.abs(values), kind="stable")[:k])[::-1]
            U, D = vectors[:, keep], np.diag(values[keep])
        Z = _householder_null(T.T @ U)[:, : k - M]
        nu = len(knots)
        UZ = np.zeros((nu + M, k))
        UZ[:nu, : k - M] = U @ Z
        UZ[nu:, k - M :] = np.eye(M)
        S = np.zeros((k, k))
        S[: k - M, : k - M] = Z.T @ D @ Z
        raw = np.hstack([E, T]) @ UZ
        w = np.sqrt(np.mean(raw**2, axis=0))  # tprs.c: columns of unit rms
        UZ = UZ / w
        S = (S / w).T / w
        return cls(k, (S,), (k - M,), m, shift, knots, powers, UZ)

    def design(self, x: np.ndarray) -> np.ndarray:
        """The basis at covariate rows ``x`` (``Predict.matrix.tprs.smooth``)."""
        x = np.asarray(x, dtype=float) - self.shift
        E = _eta(_sq_dist(x, self.knots), self.m, x.shape[1])
        return np.hstack([E, _poly(x, self.powers)]) @ self.UZ


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a[:, np.newaxis, :] - b[np.newaxis, :, :]) ** 2).sum(axis=2)


def _poly(x: np.ndarray, powers: np.ndarray) -> np.ndarray:
    return np.prod(x[:, np.newaxis, :] ** powers[np.newaxis, :, :], axis=2)


# --- cubic regression splines ----------------------------------------------


@dataclass(frozen=True, eq=False)
class CubicRegression(Basis):
    """mgcv's cubic regression spline (``bs = "cr"``): a natural cubic spline
    parametrized by its values at ``k`` knots at quantiles of the unique covariate
    values, extrapolated linearly; the penalty is the integrated squared second
    derivative."""

    k: int
    penalties: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    knots: np.ndarray
    F: np.ndarray

    @classmethod
    def fit(
        cls, x: np.ndarray, k: int | None, what: str, knots: np.ndarray | None = None
    ) -> CubicRegression:
        """The basis of covariate ``x`` ``(n, 1)`` with ``k`` knots (10 when None), at
        quantiles of its unique values or at the given ``knots`` (mgcv's ``knots``)."""
        k, unique = _knots_and_values(x, k, 3, "cubic regression spline", what)
        if knots is None:
            knots = np.quantile(unique, np.linspace(0, 1, k))
        else:
            knots = _given_knots(knots, k, what, "cr")
        h = np.diff(knots)
        D = np.zeros((k - 2, k))
        B = np.zeros((k - 2, k - 2))
        for i in range(k - 2):
            D[i, i : i + 3] = 1 / h[i], -1 / h[i] - 1 / h[i + 1], 1 / h[i + 1]
            B[i, i] = (h[i] + h[i + 1]) / 3
            if i:
                B[i, i - 1] = B[i - 1, i] = h[i] / 6
        BinvD = np.linalg.solve(B, D)
        F = np.vstack([np.zeros(k), BinvD, np.zeros(k)])  # second derivatives at knots
        S = D.T @ BinvD
        return cls(k, ((S + S.T) / 2,), (k - 2,), knots, F)

    def design(self, x: np.ndarray) -> np.ndarray:
        """The basis at ``x`` (``crspl`` of mgcv.c)."""
        x = np.asarray(x, dtype=float)[:, 0]
        kn, F, k = self.knots, self.F, self.k
        j = np.clip(np.searchsorted(kn, x, side="left") - 1, 0, k - 2)
        h = kn[j + 1] - kn[j]
        am, ap = kn[j + 1] - x, x - kn[j]
        cm = am * (am**2 / h - h) / 6
        cp = ap * (ap**2 / h - h) / 6
        X = cm[:, np.newaxis] * F[j] + cp[:, np.newaxis] * F[j + 1]
        rows = np.arange(len(x))
        X[rows, j] += am / h
        X[rows, j + 1] += ap / h
        low, high = x < kn[0], x > kn[-1]
        if low.any():
            h0, xik = kn[1] - kn[0], x[low] - kn[0]
            X[low] = (-xik * h0 / 6)[:, np.newaxis] * F[1]
            X[low, 0] += 1 - xik / h0
            X[low, 1] += xik / h0
        if high.any():
            h1, xik = kn[-1] - kn[-2], x[high] - kn[-1]
            X[high] = (xik * h1 / 3)[:, np.newaxis] * F[-1] + (xik * h1 / 6)[:, np.newaxis] * F[-2]
            X[high, -2] += -xik / h1
            X[high, -1] += 1 + xik / h1
        return X


@dataclass(frozen=True, eq=False)
class Cyclic(Basis):
    """mgcv's cyclic cubic regression spline (``bs = "cc"``): the ends of the
    knot range match up to the second derivative, so ``k`` knots give ``k - 1``
    columns; values outside the range wrap around."""

    k: int
    penalties: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    knots: np.ndarray
    BD: np.ndarray

    @classmethod
    def fit(
        cls, x: np.ndarray, k: int | None, what: str, knots: np.ndarray | None = None
    ) -> Cyclic:
        """The basis of covariate ``x`` ``(n, 1)`` with ``k`` knots (10 when None), placed
        evenly through its unique values, or the given ``knots``: ``k`` of them, or the
        two ends of the cycle with the others placed evenly through the values between
        (mgcv's ``knots``)."""
        k, unique = _knots_and_values(x, k, 4, "cyclic cubic spline", what)
        if knots is not None and len(knots) == 2:
            ends = _given_knots(knots, 2, what, "cc")
            knots = _place_knots(np.unique(np.concatenate([ends, unique])), k)
        elif knots is not None:
            knots = _given_knots(knots, k, what, "cc")
        else:
            knots = _place_knots(unique, k)
        h = np.diff(knots)
        n = k - 1
        B = np.zeros((n, n))
        D = np.zeros((n, n))
        for i in range(n):
            before, after = (i - 1) % n, (i + 1) % n
            B[i, before], B[i, i], B[i, after] = h[i - 1] / 6, (h[i - 1] + h[i]) / 3, h[i] / 6
            D[i, before], D[i, i], D[i, after] = 1 / h[i - 1], -(1 / h[i - 1] + 1 / h[i]), 1 / h[i]
        BD = np.linalg.solve(B, D)
        S = D.T @ BD
        return cls(k - 1, ((S + S.T) / 2,), (k - 2,), knots, BD)

    def design(self, x: np.ndarray) -> np.ndarray:
        """The basis at ``x`` (``Predict.matrix.cyclic.smooth``)."""
        x = np.asarray(x, dtype=float)[:, 0].copy()
        kn, BD = self.knots, self.BD
        lo, hi = kn[0], kn[-1]
        width = hi - lo
        x[x > hi] = lo + (x[x > hi] - hi) % width
        x[x < lo] = hi - (lo - x[x < lo]) % width
        a = np.maximum(np.searchsorted(kn, x, side="left"), 1) - 1
        b = np.where(a + 1 == len(kn) - 1, 0, a + 1)
        h = kn[a + 1] - kn[a]
        am, ap = kn[a + 1] - x, x - kn[a]
        eye = np.eye(len(kn) - 1)

        def col(v: np.ndarray) -> np.ndarray:
            return v[:, np.newaxis]

        return (
            BD[a] * col(am**3 / (6 * h) - h * am / 6)
            + BD[b] * col(ap**3 / (6 * h) - h * ap / 6)
            + eye[a] * col(am / h)
            + eye[b] * col(ap / h)
        )


# --- type 2 tensor products ------------------------------------------------


def _natural(X: np.ndarray, S: np.ndarray, rank: int, constant_first: bool) -> np.ndarray:
    """mgcv's ``nat.param`` type 2 (``constant_first`` False, no rescaling) or type 3
    with unit Frobenius norms: the map ``P`` turning the penalty into the identity on
    its range space (first ``rank`` columns of ``X P``) and scaling its null space."""
    values, vectors = np.linalg.eigh(S)
    values, vectors = values[::-1], vectors[:, ::-1]
    p = X.shape[1]
    scale = np.ones(p)
    scale[:rank] = np.sqrt(values[:rank])
    XV = X @ vectors
    norms = (XV**2).sum(axis=0) / scale**2
    scale[rank:] = np.sqrt(norms[rank:] / norms[:rank].mean())
    P = vectors / scale
    if not constant_first:
        return P
    if rank < p - 1:  # the constant becomes the first null space column
        Xn = (X @ P)[:, rank:]
        centered = Xn - Xn.mean(axis=0)
        _, rot = np.linalg.eigh(centered.T @ centered)
        P[:, rank:] = P[:, rank:] @ rot  # ascending: the constant direction first
    XP = X @ P
    P[:, :rank] /= np.sqrt(np.mean(XP[:, :rank] ** 2))
    if rank < p:
        P[:, rank:] /= np.sqrt(np.mean(XP[:, rank:] ** 2))
    return P


@dataclass(frozen=True, eq=False)
class TensorT2(Basis):
    """mgcv's ``t2()``: the tensor product of margins reparametrized so that each
    penalty is the identity on its range space, with one ridge penalty per product
    of margin range and null spaces (the product of null spaces is unpenalized).

    Attributes
    ----------
    margins
        The marginal bases and the columns of ``x`` each reads.
    maps
        Per margin, ``P`` of :func:`_natural`.
    """

    k: int
    penalties: tuple[np.ndarray, ...]
    ranks: tuple[int, ...]
    margins: tuple[tuple[Basis, tuple[int, ...]], ...]
    maps: tuple[np.ndarray, ...]

    @classmethod
    def fit(cls, x: np.ndarray, margins: Sequence[tuple[Basis, tuple[int, ...]]]) -> TensorT2:
        """The tensor product of ``margins`` (bases with their columns of ``x``)."""
        maps = []
        for basis, cols in margins:
            X = basis.design(x[:, cols])
            maps.append(_natural(X, basis.penalties[0], basis.ranks[0], constant_first=True))
        sizes = [b.shape[1] for b in cls._blocks(x, tuple(margins), tuple(maps))]
        if all(basis.ranks[0] < basis.k for basis, _ in margins):
            sizes = sizes[:-1]  # the product of the null spaces is unpenalized
        k = int(np.prod([b.k for b, _ in margins]))
        starts = np.cumsum([0, *sizes])
        penalties = tuple(
            np.diag(((np.arange(k) >= a) & (np.arange(k) < b)).astype(float))
            for a, b in zip(starts[:-1], starts[1:], strict=True)
        )
        return cls(k, penalties, tuple(sizes), tuple(margins), tuple(maps))

    @staticmethod
    def _blocks(
        x: np.ndarray,
        margins: tuple[tuple[Basis, tuple[int, ...]], ...],
        maps: tuple[np.ndarray, ...],
    ) -> list[np.ndarray]:
        """The column blocks of ``t2.model.matrix`` (``full = FALSE``): products of the
        margins' range and null spaces, the product of null spaces last."""
        parts = []
        for (basis, cols), P in zip(margins, maps, strict=True):
            X = basis.design(x[:, cols]) @ P
            r = basis.ranks[0]
            parts.append((X[:, :r], X[:, r:]))
        blocks = [parts[0][0]] + ([parts[0][1]] if parts[0][1].shape[1] else [])
        for rng, null in parts[1:]:
            new = [_row_kron(b, rng) for b in blocks]
            if null.shape[1]:
                new += [_row_kron(b, null) for b in blocks]
            blocks = new
        return blocks

    def design(self, x: np.ndarray) -> np.ndarray:
        """The model matrix at covariate rows ``x`` (``Predict.matrix.t2.smooth``)."""
        return np.hstack(self._blocks(np.asarray(x, dtype=float), self.margins, self.maps))

    def constraint(self, X: np.ndarray) -> np.ndarray | int:
        """mgcv's t2 constraint, on the unpenalized columns only: set the single one
        to zero, or make their sum over the fitted rows zero."""
        null = self.k - sum(self.ranks)
        if null == 1:
            return self.k - 1
        out = np.zeros((1, self.k))
        if null:
            out[0, self.k - null :] = X[:, self.k - null :].sum(axis=0)
        return out


def _row_kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Kronecker product, columns of ``b`` varying fastest (``t2.model.matrix``)."""
    return (a[:, :, np.newaxis] * b[:, np.newaxis, :]).reshape(len(a), -1)


# --- brms's mixed-model form -----------------------------------------------


@dataclass(frozen=True, eq=False)
class MixedSmooth:
    """A smooth in brms's mixed-model form: ``X_raw(x) @ transform`` gives the
    unpenalized columns ``Xs`` followed by the penalized blocks ``Zs_1, Zs_2, ...``,
    whose coefficients are iid normal with one standard deviation per block.

    Attributes
    ----------
    basis
        The basis as mgcv's constructor returns it.
    transform
        ``(k, n_fixed + sum(blocks))``: constraint, rescaled penalty and its eigen
        form folded together.
    n_fixed
        Number of unpenalized columns.
    blocks
        Number of columns of each penalized block.
    """

    basis: Basis
    transform: np.ndarray
    n_fixed: int
    blocks: tuple[int, ...]

    def matrices(
        self, x: np.ndarray, by: np.ndarray | None = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """``Xs`` ``(n, n_fixed)`` and the ``Zs`` blocks at covariate rows ``x``, each
        row multiplied by ``by`` (a numeric ``by`` variable or a level's dummy)."""
        X = self.basis.design(x) @ self.transform
        if by is not None:
            X = X * np.asarray(by, dtype=float)[:, np.newaxis]
        ends = np.cumsum((self.n_fixed, *self.blocks))
        parts = np.split(X, ends[:-1], axis=1)
        return parts[0], tuple(parts[1:])


def mixed_smooth(
    basis: Basis,
    x: np.ndarray,
    constrain: bool = True,
    weight: np.ndarray | None = None,
    fixed: bool = False,
) -> MixedSmooth:
    """brms's form of ``basis`` fitted at covariate rows ``x``.

    As ``smoothCon(absorb.cons = TRUE, diagonal.penalty = TRUE)`` then
    ``smooth2random(type = 2)``: penalties scaled as mgcv's ``scale.penalty``, the
    sum-to-zero constraint absorbed (unless ``constrain`` is False, as for a
    non-constant numeric ``by``), then a single penalty is put in natural form
    (null space scaled by the rows weighted by ``weight``, the ``by`` values of the
    first smooth, as mgcv) and several penalties (``t2``) are scaled to identities.
    An unpenalized smooth (``fixed``, mgcv's ``fx = TRUE``) keeps the constrained
    columns as they are, all unpenalized (``smooth2random`` returns them as ``Xf``).

    Examples
    --------
    >>> x = np.linspace(0, 1, 30)[:, None]
    >>> sm = mixed_smooth(ThinPlate.fit(x, 5, "s(x)"), x)
    >>> Xs, (Zs,) = sm.matrices(x)
    >>> Xs.shape, Zs.shape
    ((30, 1), (30, 3))
    """
    X = basis.design(x)
    if fixed:
        C = _absorb(basis.constraint(X) if constrain else None, basis.k)
        return MixedSmooth(basis, C, C.shape[1], ())
    size_X = np.abs(X).sum(axis=1).max() ** 2
    penalties = [S * size_X / np.abs(S).sum(axis=0).max() for S in basis.penalties]
    constraint = basis.constraint(X) if constrain else None
    C = _absorb(constraint, basis.k)
    Xc = X @ C
    penalties = [C.T @ S @ C for S in penalties]
    if len(penalties) == 1:
        rank = min(basis.ranks[0], Xc.shape[1])
        rows = Xc if weight is None else Xc * weight[:, np.newaxis]
        P = _natural(rows, penalties[0], rank, constant_first=False)
        order = np.r_[rank : P.shape[1], 0:rank]
        return MixedSmooth(basis, C @ P[:, order], P.shape[1] - rank, (rank,))
    diags = np.array([np.diag(S) for S in penalties])
    unpenalized = np.flatnonzero((diags == 0).all(axis=0))
    columns = [np.eye(Xc.shape[1])[:, unpenalized]]
    for d in diags:
        on = np.flatnonzero(d)
        columns.append(np.eye(Xc.shape[1])[:, on] / np.sqrt(d[on]))
    transform = C @ np.hstack(columns)
    blocks = tuple(len(np.flatnonzero(d)) for d in diags)
    return MixedSmooth(basis, transform, len(unpenalized), blocks)


def _absorb(constraint: np.ndarray | int | None, k: int) -> np.ndarray:
    """``(k, k')``: a basis of the coefficients meeting the constraint, in mgcv's column
    order (``smoothCon``): a matrix constraint acts on its non-zero columns only (a
    partial QR), whose first positions take the constrained columns and whose last
    is dropped; the other columns keep their positions."""
    if constraint is None:
        return np.eye(k)
    if isinstance(constraint, int):
        return np.delete(np.eye(k), constraint, axis=1)
    on = np.flatnonzero(constraint[0])
    Q, _ = np.linalg.qr(constraint[0, on][:, np.newaxis], mode="complete")
    out = np.eye(k)
    out[:, on] = 0.0
    out[np.ix_(on, on[:-1])] = Q[:, 1:]
    return np.delete(out, on[-1], axis=1)


def _place_knots(unique: np.ndarray, k: int) -> np.ndarray:
    """mgcv's ``place.knots``: ``k`` knots evenly through the sorted unique values."""
    step = (len(unique) - 1) / (k - 1)
    at = step * np.arange(1, k - 1)
    low = np.floor(at).astype(int)
    frac = at - low
    return np.concatenate(
        [unique[:1], unique[low] * (1 - frac) + unique[low + 1] * frac, unique[-1:]]
    )


def _given_knots(knots: np.ndarray, k: int, what: str, basis: str) -> np.ndarray:
    """User knots as floats: ``k`` finite increasing numbers, or a SpecError naming the
    term (mgcv's "number of supplied knots != k")."""
    try:
        values = np.asarray(knots, dtype=float).ravel()
    except (TypeError, ValueError):
        raise SpecError(f"The knots of {what} must be numbers; got {knots!r}.") from None
    if len(values) != k:
        raise SpecError(
            f"{what} has {len(values)} knots; a {basis!r} smooth with k = {k} needs k of them"
            + (" (or the 2 ends of the cycle)." if basis == "cc" else ".")
        )
    if not np.isfinite(values).all() or np.any(np.diff(values) <= 0):
        raise SpecError(
            f"The knots of {what} must be finite and increasing; got "
            f"{', '.join(f'{v:g}' for v in values)}."
        )
    return values


def _knots_and_values(
    x: np.ndarray, k: int | None, minimum: int, basis: str, what: str
) -> tuple[int, np.ndarray]:
    """The number of knots (10 when None) and the sorted unique values of covariate
    ``x`` ``(n, 1)``, checked: at least ``minimum`` knots, and a value per knot."""
    k = 10 if k is None else k
    if k < minimum:
        raise SpecError(f"{what} needs k >= {minimum} ({basis}).")
    unique = np.unique(np.asarray(x, dtype=float)[:, 0])
    if len(unique) < k:
        raise SpecError(
            f"{what} has {len(unique)} unique values, too few for k = {k} knots; reduce k."
        )
    return k, unique
