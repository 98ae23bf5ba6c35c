"""Multi-membership group-level effects: ``(1 | mm(g1, g2))``, as brms.

Each row belongs to the levels of all members ``g1, g2, ...`` of the grouping, with
weights ``W`` (brms's ``mm(..., weights = cbind(w1, w2), scale = TRUE)``): its part of
the linear predictor is ``sum_k W_k * r[J_k] * Z_k``. The levels are those of all
members together, and the effects, standard deviations and correlations are those of
an ordinary grouping (:class:`~pybrms.spec.terms.group.GroupEffects`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.formula.terms import GroupTerm
from pybrms.spec.frame import Design, check_columns, group_levels
from pybrms.spec.terms.base import EtaPart, StanArg
from pybrms.spec.terms.group import GroupEffects

__all__ = ["MultiMembershipEffects"]


@dataclass(frozen=True, eq=False)
class MultiMembershipEffects(GroupEffects):
    """Group-level effects of a multi-membership grouping ``mm(g1, g2, ...)``.

    ``factors`` are the members; ``J`` holds the 1-based level of each row per member
    ``(K, N)`` and ``W`` the members' weights ``(K, N)``.

    Attributes
    ----------
    weight_columns
        The columns of ``weights = cbind(w1, w2)``, or None for equal weights ``1/K``.
    scale
        Whether each row's weights are rescaled to sum to 1 (brms's ``scale = TRUE``).
    W
        Weight of each member in each row ``(K, N)``.

    Examples
    --------
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [0.1, 0.5, 0.9, 1.3], "s1": list("abca"),
    ...                    "s2": list("bccd")})
    >>> spec = build_spec("y ~ 1 + (1 | mm(s1, s2))", df)
    >>> spec.groups[0].group, spec.groups[0].levels
    ('mms1s2', ('a', 'b', 'c', 'd'))
    """

    weight_columns: tuple[str, ...] | None = None
    scale: bool = True
    W: np.ndarray | None = None

    @classmethod
    def from_data(
        cls, id_: int, dpar: str, term: GroupTerm, design: Design, data: pd.DataFrame
    ) -> MultiMembershipEffects:
        """The term of ``term`` on ``data``: levels of all members, in the order of
        the members (each in its own order, as brms's ``extract_levels``).

        Raises
        ------
        SpecError
            For weights that are not numeric or are missing, or negative or summing
            to 0 in a row when ``scale = TRUE`` (naming the column and row).
        """
        levels = tuple(
            dict.fromkeys(level for f in term.factors for level in group_levels(data, (f,))[0])
        )
        position = {level: k for k, level in enumerate(levels, start=1)}
        J = np.stack(
            [
                np.array([position[str(v)] for v in _labels(data, f)], dtype=np.int64)
                for f in term.factors
            ]
        )
        W = _weights(term.weights, term.scale, len(term.factors), data)
        return cls(
            id_,
            dpar,
            term.group,
            term.factors,
            design,
            term.correlated,
            levels,
            J,
            tuple((dpar, c) for c in design.names),
            weight_columns=term.weights,
            dist=term.dist,
            scale=term.scale,
            W=W,
        )

    def with_levels_of(self, data: pd.DataFrame) -> MultiMembershipEffects:
        """The term, built on some rows of ``data`` (a response with ``subset()``), on the
        levels of all members in all rows of ``data`` where they are known, as brms."""
        rows = data.loc[data[list(self.factors)].notna().all(axis=1).to_numpy()]
        levels = tuple(
            dict.fromkeys(level for f in self.factors for level in group_levels(rows, (f,))[0])
        )
        position = {level: k for k, level in enumerate(levels, start=1)}
        J = np.array([[position[self.levels[j - 1]] for j in member] for member in self.J])
        return replace(self, levels=levels, J=J.astype(np.int64))

    @property
    def K(self) -> int:
        """Number of members of the grouping."""
        return len(self.factors)

    @property
    def index(self) -> np.ndarray:
        """0-based level of each row per member ``(K, N)``."""
        return self.J - 1

    @property
    def weights(self) -> np.ndarray:
        """Weight of each member in each row ``(K, N)``."""
        assert self.W is not None  # from_data sets it
        return self.W

    def index_data(self, nobs: str = "N") -> tuple[tuple[str, str, str], ...]:
        """Per member, brms's ``J_id_k`` and ``W_id_k`` over ``nobs`` rows."""
        out: list[tuple[str, str, str]] = []
        for k in range(1, self.K + 1):
            out += [
                (
                    f"array[{nobs}] int<lower=1>",
                    self._member("J", k),
                    "grouping indicator per observation",
                ),
                (f"array[{nobs}] real", self._member("W", k), "multi-membership weights"),
            ]
        return tuple(out)

    def _member(self, name: str, k: int) -> str:
        return f"{self.stan(name)}_{k}"

    @property
    def id_Z(self) -> tuple[str, ...]:
        """brms's ``Z_id_c_k``: per coefficient of the ID, one column per member."""
        return tuple(f"{z}_{k}" for z in self._coef_stan("Z") for k in range(1, self.K + 1))

    @property
    def Z(self) -> tuple[str, ...]:
        """The term's ``Z_id_c_k``, coefficient by coefficient."""
        return self.id_Z[self.own.start * self.K : self.own.stop * self.K]

    def standata(self) -> dict[str, object]:
        """``N_id``, ``M_id``, ``J_id_k`` and ``W_id_k`` per member, ``NC_id`` (owner), and
        the term's ``Z_id_c_k``: the same design column for every member."""
        out: dict[str, object] = {}
        if self.owner:
            out |= {self.stan("N"): len(self.levels), self.stan("M"): self.M}
            for k in range(1, self.K + 1):
                out[self._member("J", k)] = self.J[k - 1]
                out[self._member("W", k)] = self.weights[k - 1]
            if self.has_cor:
                out[self.stan("NC")] = self.M * (self.M - 1) // 2
        for c, column in enumerate(self.design.matrix.T):
            for k in range(1, self.K + 1):
                out[self.Z[c * self.K + k - 1]] = column
        return out

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """Per coefficient, ``W_id_k[n] * r[J_id_k[n]] * Z_id_c_k[n]`` summed over members,
        row by row as brms writes it."""
        J = [StanArg(self._member("J", k), "array[] int", True) for k in range(1, self.K + 1)]
        W = [StanArg(self._member("W", k), "array[] real", True) for k in range(1, self.K + 1)]
        parts = []
        for c, r in enumerate(self.r):
            Z = [StanArg(z, "vector", True) for z in self.Z[c * self.K : (c + 1) * self.K]]
            code = " + ".join(
                f"{w.name}[{{n}}] * {r}[{j.name}[{{n}}]] * {z.name}[{{n}}]"
                for j, w, z in zip(J, W, Z, strict=True)
            )
            parts.append(
                EtaPart(
                    "rowwise",
                    StanArg(r, "vector", False),
                    J[0],
                    code=code,
                    extra=(*J[1:], *W, *Z),
                )
            )
        return tuple(parts)

    def sliced_index(self) -> None:
        """None: each row has one level per member."""
        return None

    def _members(self, data: pd.DataFrame) -> tuple[tuple[tuple[str, ...], np.ndarray], ...]:
        """Per member, its levels in ``data`` and the 1-based level of each row."""
        return tuple(group_levels(data, (f,)) for f in self.factors)

    def _new_weights(self, data: pd.DataFrame) -> np.ndarray:
        """The members' weights in the rows of ``data``, computed as in the fit."""
        return _weights(self.weight_columns, self.scale, self.K, data)


def _labels(data: pd.DataFrame, column: str) -> list[str]:
    return [str(v) for v in data[column]]


def _weights(
    columns: tuple[str, ...] | None, scale: bool, K: int, data: pd.DataFrame
) -> np.ndarray:
    """brms's membership weights ``(K, N)``: ``1/K`` each by default; the columns of
    ``weights``, each row divided by its sum when ``scale``."""
    if columns is None:
        return np.full((K, len(data)), 1.0 / K)
    check_columns(data, columns)
    for column in columns:
        values = data[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise SpecError(
                f"Weight column {column!r} of mm() must be numeric; got dtype {values.dtype}."
            )
        if values.isna().any():
            row = data.index[int(np.flatnonzero(values.isna().to_numpy())[0])]
            raise SpecError(f"Weight column {column!r} of mm() has a missing value in row {row!r}.")
    W = data[list(columns)].to_numpy(dtype=float).T
    if not scale:
        return W
    negative = (W < 0).any(axis=0)
    if negative.any():
        row = data.index[int(np.flatnonzero(negative)[0])]
        raise SpecError(
            f"Cannot scale negative weights of mm(): row {row!r} has a negative weight in "
            f"{', '.join(columns)}; use nonnegative weights or scale = FALSE."
        )
    total = W.sum(axis=0)
    if (total == 0).any():
        row = data.index[int(np.flatnonzero(total == 0)[0])]
        raise SpecError(
            f"Cannot scale the weights of mm() in row {row!r}: they sum to 0 over "
            f"{', '.join(columns)}."
        )
    return W / total
