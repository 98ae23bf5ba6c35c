"""Noise-free predictors: ``y ~ z + me(x, sdx)``, brms's ``me()``.

The observed ``x`` is a noisy measurement, ``x ~ normal(Xme, sdx)``, of latent
values ``Xme = meanme + sdme * zme`` (non-centered, ``zme ~ std_normal()``), and
the linear predictor takes ``bsp * Xme``. Stan code, data and names are brms's
(``R/stan-predictor.R`` ``stan_Xme`` and ``stan_sp``, ``R/data-predictor.R``
``data_Xme``, ``R/rename_pars.R`` ``rename_Xme``); as brms's default
``save_pars(latent = FALSE)``, the latent values have no output names.
Predictions for the fitted rows use the latent values' draws; for new rows, as
brms, a draw of ``normal(x, sdx)`` per posterior draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
import pandas as pd

from pybrms.errors import SpecError
from pybrms.spec.additions import first_bad
from pybrms.spec.default_priors import PriorRow, PriorTarget
from pybrms.spec.frame import check_columns, check_finite, evaluate, numeric
from pybrms.spec.names import POPULATION_LEVEL, ParName, rename
from pybrms.spec.terms.base import (
    EtaPart,
    PriorDefaults,
    RowRequest,
    StanArg,
    Term,
    Variables,
    draws_of,
)

__all__ = ["MeasurementError"]


@dataclass(frozen=True, eq=False)
class MeasurementError(Term):
    """One ``me(x, sdx)`` of the main predictor.

    Stan data ``Mme_1``, ``Xn_1``, ``noise_1`` and ``Ksp``; parameters ``bsp``,
    ``meanme_1``, ``sdme_1`` and ``zme_1``; the latent values ``Xme_1``.

    Attributes
    ----------
    dpar
        Always ``"mu"``.
    x, sdx
        The expressions of the values and of their standard errors.
    values, noise
        Their values in the fitted rows.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [0.5, 1.0, 1.5], "sdx": [0.1, 0.2, 0.1]})
    >>> t = MeasurementError.from_data("mu", "x", "sdx", df)
    >>> [p.name for p in t.par_names()]
    ['bsp_mexsdx', 'meanme_mexsdx', 'sdme_mexsdx']
    """

    template: ClassVar[str] = "terms/measurement_error.stan.j2"

    dpar: str
    x: str
    sdx: str
    values: np.ndarray
    noise: np.ndarray

    @classmethod
    def from_data(cls, dpar: str, x: str, sdx: str, data: pd.DataFrame) -> MeasurementError:
        """``me(x, sdx)`` read from ``data``: finite values, non-negative standard errors."""
        values, noise = _read(x, sdx, data, "")
        return cls(dpar, x, sdx, values, noise)

    @property
    def label(self) -> str:
        """The term as written, for messages."""
        return f"me({self.x}, {self.sdx})"

    @property
    def coef(self) -> str:
        """brms's coefficient name, ``mexsdx``."""
        return rename(self.label)

    def standata(self) -> dict[str, object]:
        """``Mme_1``, ``Xn_1``, ``noise_1`` and ``Ksp``."""
        return {"Mme_1": 1, "Xn_1": self.values, "noise_1": self.noise, "Ksp": 1}

    def eta_parts(self) -> tuple[EtaPart, ...]:
        """``bsp[1] * Xme_1[n]``, row by row as brms writes it."""
        return (
            EtaPart(
                "rowwise",
                StanArg("bsp", "vector", False),
                StanArg("Xme_1", "vector", False),
                code="(bsp[1]) * {row}",
            ),
        )

    def prior_rows(self, defaults: PriorDefaults) -> tuple[PriorRow, ...]:
        """Class ``b`` with the coefficient, then ``meanme`` and ``sdme`` (flat, as brms's
        ``prior_Xme``)."""
        return (
            PriorRow(None, "b"),
            PriorRow(None, "b", self.coef, source="(vectorized)"),
            PriorRow(None, "meanme"),
            PriorRow(None, "meanme", self.coef, source="(vectorized)"),
            PriorRow(None, "sdme", lb=0.0),
            PriorRow(None, "sdme", self.coef, lb=0.0, source="(vectorized)"),
        )

    def prior_targets(self) -> tuple[PriorTarget, ...]:
        """``bsp``, then ``meanme_1`` and ``sdme_1``, each by coefficient."""
        return tuple(
            PriorTarget(stan, (((cls, self.coef, "", ""), (cls, "", "", "")),))
            for stan, cls in (("bsp", "b"), ("meanme_1", "meanme"), ("sdme_1", "sdme"))
        )

    def par_names(self) -> tuple[ParName, ...]:
        """``bsp_mexsdx`` (population-level effects), ``meanme_mexsdx``, ``sdme_mexsdx``."""
        return (
            ParName("bsp", (1,), f"bsp_{self.coef}", "bsp", self.dpar, POPULATION_LEVEL, self.coef),
            ParName("meanme_1", (1,), f"meanme_{self.coef}", "meanme", self.dpar),
            ParName("sdme_1", (1,), f"sdme_{self.coef}", "sdme", self.dpar),
        )

    def rows(self, request: RowRequest) -> tuple[np.ndarray, np.ndarray] | None:
        """The values and standard errors of ``newdata``; empty arrays for the fitted
        rows, whose latent values the draws hold."""
        if request.newdata is None:
            return (np.empty(0), np.empty(0))
        return _read(self.x, self.sdx, request.newdata, "newdata ")

    def eta(self, rows: object, variables: Variables, rng: np.random.Generator) -> np.ndarray:
        """``bsp * Xme``: the latent values' draws at the fitted rows, else draws of
        ``normal(x, sdx)``."""
        bsp = draws_of(variables, "bsp")[:, :1]
        x, sdx = cast(tuple[np.ndarray, np.ndarray], rows)
        if not len(x):
            return bsp * draws_of(variables, "Xme_1")
        return bsp * rng.normal(x, sdx, size=(len(bsp), len(x)))

    def effects(self) -> tuple[tuple[str, ...], ...]:
        """None: conditional effects of me() are not supported yet."""
        return ()


def _read(x: str, sdx: str, data: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The values and standard errors of ``me(x, sdx)`` in ``data``, checked."""
    check_columns(data, [e for e in (x, sdx) if e.isidentifier()])
    label = f"me({x}, {sdx})"
    values = numeric(evaluate(x, data), f"values {x!r} of {label}")
    noise = numeric(evaluate(sdx, data), f"standard errors {sdx!r} of {label}")
    check_finite(values, f"{where}{x!r} of {label}", data.index)
    check_finite(noise, f"{where}{sdx!r} of {label}", data.index)
    if (noise < 0).any():
        raise SpecError(
            f"The standard errors {sdx!r} of {label} must be non-negative; "
            f"{first_bad(noise, noise < 0, data.index)}."
        )
    return values, noise
