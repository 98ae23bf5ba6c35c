"""brms's names for coefficients and parameters, decided once, in the spec.

Two things live here: the spelling of design-matrix columns as R and brms
write them (``Trt1``, ``zBase:Trt1``, ``logBase``), and :class:`ParName`, one row
of the table that maps a Stan variable element (``r_1_1[3]``) to its brms output
name (``r_patient[3,Intercept]``). Post-processing reads that table and never
re-derives a name.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import formulaic

from pybrms.errors import SpecError

__all__ = [
    "FAMILY_SPECIFIC",
    "GROUP_LEVEL",
    "POPULATION_LEVEL",
    "ParName",
    "Section",
    "brms_column_names",
    "rename",
    "with_resp",
]

# brms's rename(): special characters in coefficient names, replaced literally.
_RENAME: dict[str, str] = {
    " ": "",
    "(": "",
    ")": "",
    "[": "",
    "]": "",
    ",": "",
    '"': "",
    "'": "",
    "?": "",
    "+": "P",
    "-": "M",
    "*": "MU",
    "/": "D",
    "^": "E",
    "=": "EQ",
    "$": "USD",
}


def rename(name: str) -> str:
    """Remove or replace special characters as brms's ``rename()`` does.

    Examples
    --------
    >>> rename("log(Base)")
    'logBase'
    >>> rename("I(x^2)")
    'IxE2'
    """
    for old, new in _RENAME.items():
        name = name.replace(old, new)
    return name


def with_resp(dpar: str, resp: str) -> str:
    """The name of ``dpar``'s predictor of response ``resp`` in a multivariate model,
    as brms suffixes its Stan variables: ``y1`` for mu, ``sigma_y1`` for sigma; the
    dpar itself when there is no response name (a univariate model).

    Examples
    --------
    >>> with_resp("mu", "y1"), with_resp("sigma", "y1"), with_resp("", "y1"), with_resp("sigma", "")
    ('y1', 'sigma_y1', 'y1', 'sigma')
    """
    if not resp:
        return dpar
    return resp if dpar in ("", "mu") else f"{dpar}_{resp}"


@dataclass(frozen=True)
class Section:
    """A part of brms's ``summary()``: its heading, its place, and a title for each table.

    Attributes
    ----------
    heading
        ``"Population-Level Effects"``, ...
    rank
        Sections print in increasing rank.
    title
        A line above the section's table, when a section has several
        (``"~g (Number of levels: 4)"`` of group-level effects).
    """

    heading: str
    rank: int
    title: str = ""


#: Sections of brms's summary that several kinds of parameters share.
GROUP_LEVEL = "Group-Level Effects"
POPULATION_LEVEL = Section("Population-Level Effects", 1)
FAMILY_SPECIFIC = Section("Family Specific Parameters", 3)


@dataclass(frozen=True)
class ParName:
    """One Stan variable element and its brms output name.

    Attributes
    ----------
    stan
        Stan variable, e.g. ``"r_1_1"``.
    index
        1-based index into the variable, ``()`` for scalars.
    name
        brms's name, e.g. ``"r_patient[3,Intercept]"``.
    cls
        brms parameter class: ``"b"``, ``"Intercept"``, ``"sd"``, ``"cor"``,
        ``"r"``, or a distributional parameter (``"sigma"``).
    dpar
        Distributional parameter the element belongs to (``"mu"``, ``"sigma"``, ...).
    section
        Where the element is a row of brms's ``summary()``; None for no row.
    label
        Its row label there (``"x"`` for ``b_x``, ``"sd(Intercept)"``).
    array
        The ArviZ variable holding the element, when it is part of an array
        (``"r_patient"``); ``""`` for its own variable named ``name``.
    dims
        ``(dim, coordinate)`` of the element in ``array``, one pair per dimension.
    """

    stan: str
    index: tuple[int, ...]
    name: str
    cls: str
    dpar: str = "mu"
    section: Section | None = None
    label: str = ""
    array: str = ""
    dims: tuple[tuple[str, str], ...] = ()

    @property
    def column(self) -> str:
        """The Stan CSV column, e.g. ``"r_1_1.3"``.

        Examples
        --------
        >>> ParName("b", (2,), "b_x", "b").column
        'b.2'
        """
        return ".".join((self.stan, *map(str, self.index)))


def brms_column_names(model_spec: formulaic.ModelSpec) -> tuple[str, ...]:
    """brms's names of the columns of a formulaic design matrix, in column order.

    Categorical factors are spelled as in R (variable name followed by the
    level, ``Trt1``), the columns of ``poly(x, 2)`` as R numbers them
    (``polyx21``, ``polyx22``), Python's power ``**`` as R's ``^`` (``I(x**2)`` is
    ``IxE2``), the intercept is ``Intercept``, and special characters are
    replaced by :func:`rename`.

    Examples
    --------
    >>> import pandas as pd, formulaic
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
    >>> mm = formulaic.model_matrix("1 + log(x) * g", df)
    >>> brms_column_names(mm.model_spec)
    ('Intercept', 'logx', 'gb', 'gc', 'logx:gb', 'logx:gc')
    >>> brms_column_names(formulaic.model_matrix("poly(x, 2) + I(x**2)", df).model_spec)
    ('Intercept', 'polyx21', 'polyx22', 'IxE2')
    """
    by_formulaic: dict[str, str] = {"Intercept": "Intercept"}
    for structure in model_spec.structure:
        for scoped in structure.scoped_terms:
            parts = [_factor_names(model_spec, sf.factor.expr, sf.reduced) for sf in scoped.factors]
            for combo in itertools.product(*parts):
                by_formulaic[":".join(c[0] for c in combo)] = ":".join(c[1] for c in combo)
    names = []
    for column in model_spec.column_names:
        if column not in by_formulaic:
            raise SpecError(f"Cannot name design-matrix column {column!r} the way brms does.")
        names.append(rename(by_formulaic[column]))
    if len(set(names)) != len(names):
        raise SpecError(f"Design-matrix columns {names} are not unique after renaming.")
    return tuple(names)


def _factor_names(
    model_spec: formulaic.ModelSpec, expr: str, reduced: bool
) -> list[tuple[str, str]]:
    """(formulaic name, R name) of the columns one factor contributes."""
    r_expr = _r_spelling(expr)
    state = model_spec.encoder_state.get(expr)
    if state is not None and "contrasts" in state[1]:
        contrasts = state[1]["contrasts"]
        levels = contrasts.levels
        fmt = contrasts.contrasts.get_factor_format(levels, reduced_rank=reduced)
        return [(fmt.format(name=expr, field=level), f"{r_expr}{level}") for level in levels]
    fields = _column_fields(expr, model_spec.column_names)
    if not fields:
        return [(expr, r_expr)]
    if not expr.startswith("poly("):
        raise SpecError(
            f"Cannot name the columns of {expr!r} the way brms does: of the transforms "
            "giving several columns, only poly() is supported yet."
        )
    # R numbers the columns of poly(x, 2) from 1: poly(x, 2)1, poly(x, 2)2
    return [(f"{expr}[{field}]", f"{r_expr}{k}") for k, field in enumerate(fields, 1)]


def _r_spelling(expr: str) -> str:
    """``expr`` as R deparses it, up to spaces (which rename() drops): ``x**2`` is ``x^2``."""
    return _R_CONSTANTS.sub(lambda m: m.group().upper(), expr.replace("**", "^"))


_R_CONSTANTS = re.compile(r"\b(?:True|False)\b")


def _column_fields(expr: str, columns: tuple[str, ...]) -> list[str]:
    """Fields of formulaic's columns ``expr[field]`` of a factor with several columns."""
    pattern = re.compile(rf"(?:^|:){re.escape(expr)}\[([^\]]*)\](?=:|$)")
    found = (match.group(1) for column in columns for match in pattern.finditer(column))
    return list(dict.fromkeys(found))
