"""brms's special terms that pybrms does not support yet, and the error that says so.

brms gives meaning to calls such as ``s(x)``, ``me(x, sdx)`` or ``y | mi() ~ x``
that are not transforms of data. A formula using one fails here, at parse
time and whatever the data's column names, instead of reaching formulaic (which
would evaluate ``cs(x)`` as its own cubic spline, and report ``s(x)`` as an
unknown function).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pybrms.errors import SpecError

__all__ = ["NOT_YET_ADDITIONS", "NOT_YET_TERMS", "SUPPORTED", "not_yet"]

#: Special terms of a brms right-hand side that pybrms does not support yet,
#: with what they are in brms.
NOT_YET_TERMS: Mapping[str, str] = MappingProxyType(
    {
        "gp": "Gaussian process",
        "s": "smooth",
        "t2": "tensor-product smooth",
        # refused inside expressions; on a right-hand side, pybrms.formula.terms reads them
        "me": "measurement-error predictor",
        "mi": "predictor with missing values estimated",
        # also kept so that formulaic's cubic spline cs() stays unavailable in expressions
        "cs": "category-specific effect",
        "mmc": "multi-membership covariates",
        "unstr": "unstructured autocorrelation",
        "car": "conditional autoregressive (spatial) autocorrelation",
        "sar": "simultaneous autoregressive (spatial) autocorrelation",
        "fcor": "fixed residual correlation",
        "lf": "linear formula of a non-linear model",
        "nlf": "non-linear formula",
    }
)

#: Addition terms of a brms response (``y | se(s) ~ x``) that pybrms does not
#: support yet, with what they are in brms.
NOT_YET_ADDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "thres": "ordinal thresholds",
        "cat": "number of categories",
        "dec": "decision of a Wiener model",
        "index": "observation index",
    }
)

#: What a formula may use, briefly; docs/model-language.md has the full table.
SUPPORTED = (
    "population-level terms and interactions (x, x:z, x * z, x %in% f, (x + z)^2), "
    "transforms (log(x), I(x^2), poly(x, 2), scale(x), center(x), C(f, contr.sum)), "
    "offset(), monotonic effects (mo(x)), category-specific effects (cs(x)) of ordinal families, "
    "noise-free predictors (me(x, sdx)), predictors with missing values estimated (mi(x)), "
    "smooths (s(x), s(x, z), t2(x, z) with k, "
    "bs = 'tp', 'cr' or 'cc', by), Gaussian processes (gp(x), gp(x1, x2, k = 10)), "
    "autocorrelation (ar(), ma(), arma(), cosy()), "
    "group-level terms ((1 + x | g), (1 | g1/g2), (1 | gr(g, cor = FALSE, dist = 'student')), "
    "(1 | gr(g, cov = A)), (1 | mm(g1, g2))) "
    "and the addition terms trials(), weights(), se(), rate(), cens(), trunc(), mi(), "
    "vint() and vreal(), and subset() in multivariate models"
)


def not_yet(name: str, what: str) -> SpecError:
    """The error for a brms term ``name()`` (a ``what``) that pybrms does not support yet.

    Examples
    --------
    >>> str(not_yet("gp", NOT_YET_TERMS["gp"])).split(";")[0]
    "brms term 'gp()' (Gaussian process) is not supported yet by pybrms"
    """
    return SpecError(
        f"brms term '{name}()' ({what}) is not supported yet by pybrms; supported: {SUPPORTED}."
    )
