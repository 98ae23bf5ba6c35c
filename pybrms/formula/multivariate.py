"""Multivariate formulas: several responses in one model, as brms's ``mvbf()``.

``"mvbind(y1, y2) ~ x"`` gives each response the same right-hand side;
:func:`mvbf` (or ``bf(...) + bf(...)``) gives each response its own formula.
:func:`set_rescor` decides whether gaussian or student responses have residual
correlations (brms's ``rescor``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pybrms.errors import SpecError
from pybrms.formula.parse import PartFormula, as_brms_formula, single_bf, split_mvbind
from pybrms.formula.terms import BrmsFormula

__all__ = ["MvFormula", "RescorSetting", "mvbf", "set_rescor", "split_mvbind"]


@dataclass(frozen=True)
class RescorSetting:
    """Whether residual correlations are estimated: the value of :func:`set_rescor`."""

    rescor: bool


@dataclass(frozen=True)
class MvFormula:
    """The formulas of a multivariate model, one per response, and its ``rescor`` setting.

    Attributes
    ----------
    formulas
        One :class:`~pybrms.formula.BrmsFormula` per response, in order.
    rescor
        Residual correlations between the responses; None for brms's default
        (True when every response is gaussian or every one student).
    """

    formulas: tuple[BrmsFormula, ...]
    rescor: bool | None = None

    @property
    def responses(self) -> tuple[str, ...]:
        """brms's names of the responses (``resp``): special characters removed."""
        # here: pybrms.spec imports this package
        from pybrms.spec.names import rename

        out = []
        for f in self.formulas:
            assert f.mu.response is not None  # bf() refuses a main formula without one
            out.append(rename(f.mu.response.expr).replace("_", "").replace(".", ""))
        return tuple(out)

    @property
    def variables(self) -> frozenset[str]:
        """All data columns the formulas use."""
        return frozenset().union(*(f.variables for f in self.formulas))

    def with_rescor(self, rescor: bool) -> MvFormula:
        """The same formulas with ``rescor`` set."""
        return MvFormula(self.formulas, rescor)

    def __add__(self, other: BrmsFormula | MvFormula | RescorSetting) -> MvFormula:
        if isinstance(other, RescorSetting):
            return self.with_rescor(other.rescor)
        if isinstance(other, BrmsFormula | MvFormula):
            right = _as_mv(other)
            rescor = self.rescor if right.rescor is None else right.rescor
            return MvFormula(self.formulas + right.formulas, rescor)
        return NotImplemented


def _as_mv(formula: BrmsFormula | MvFormula) -> MvFormula:
    if isinstance(formula, MvFormula):
        return formula
    if isinstance(formula, BrmsFormula):
        return MvFormula((formula,))
    raise SpecError(
        f"only formulas of pybrms.bf(...) or pybrms.mvbf(...) can be added, "
        f"got {type(formula).__name__}."
    )


def set_rescor(rescor: bool = True) -> RescorSetting:
    """Estimate residual correlations between the responses or not, as brms's ``set_rescor()``.

    Add it to a multivariate formula: ``bf("y1 ~ x") + bf("y2 ~ x") + set_rescor(False)``.

    Examples
    --------
    >>> from pybrms import bf
    >>> f = bf("y1 ~ x") + bf("y2 ~ z") + set_rescor(False)
    >>> f.responses, f.rescor
    (('y1', 'y2'), False)
    """
    if not isinstance(rescor, bool):
        raise SpecError(f"set_rescor() takes True or False, got {rescor!r}.")
    return RescorSetting(rescor)


def mvbf(
    *formulas: str | BrmsFormula | MvFormula,
    rescor: bool | None = None,
    **dpars: str | PartFormula | float,
) -> MvFormula:
    """A multivariate formula, as brms's ``mvbf()``.

    Parameters
    ----------
    *formulas
        One formula per response (strings or :func:`~pybrms.formula.bf`), or
        ``"mvbind(y1, y2) ~ x"`` for responses with the same right-hand side.
    rescor
        Residual correlations between gaussian (or student) responses; None for
        brms's default (True when all responses are gaussian or all student).
    **dpars
        With ``mvbind()``: formulas of distributional parameters shared by all
        responses (``sigma="~ x"``).

    Returns
    -------
    MvFormula

    Examples
    --------
    >>> from pybrms import bf
    >>> f = mvbf("y1 ~ x", bf("y2 ~ z + (1 | g)"), rescor=False)
    >>> f.responses, f.rescor
    (('y1', 'y2'), False)
    >>> mvbf("mvbind(a, b) ~ x").responses
    ('a', 'b')
    """
    out = MvFormula(())
    for formula in formulas:
        if isinstance(formula, str) and (split := split_mvbind(formula)) is not None:
            # dpars name parameters, never nl=
            out = out + MvFormula(tuple(single_bf(f, **dpars) for f in split))  # type: ignore[arg-type]
        elif isinstance(formula, MvFormula):
            out = out + formula
        else:
            out = out + MvFormula((as_brms_formula(formula),))
    if rescor is not None:
        out = out.with_rescor(set_rescor(rescor).rescor)
    if len(out.formulas) < 2:
        raise SpecError(
            "a multivariate formula needs at least two responses, e.g. "
            "mvbf('y1 ~ x', 'y2 ~ x') or 'mvbind(y1, y2) ~ x'."
        )
    return out
