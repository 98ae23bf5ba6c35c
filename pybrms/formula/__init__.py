"""brms formula strings to typed terms, without data.

The pipeline is staged like formulaic's parser: :mod:`~pybrms.formula.tokens`
(tokenizer), :mod:`~pybrms.formula.ast` (operator table and precedence
climbing), :mod:`~pybrms.formula.terms` (typed terms) and
:mod:`~pybrms.formula.parse` (``parse(formula, target=)``, ``bf()``).
"""

from __future__ import annotations

from pybrms.formula.multivariate import MvFormula, RescorSetting, mvbf, set_rescor
from pybrms.formula.parse import PartFormula, as_brms_formula, bf, lf, nlf, parse
from pybrms.formula.terms import (
    ADDITIONS,
    Addition,
    BrmsFormula,
    FormulaTerms,
    GroupTerm,
    ResponseTerm,
)
from pybrms.formula.tokens import Span

__all__ = [
    "ADDITIONS",
    "Addition",
    "BrmsFormula",
    "FormulaTerms",
    "GroupTerm",
    "MvFormula",
    "RescorSetting",
    "ResponseTerm",
    "PartFormula",
    "Span",
    "as_brms_formula",
    "bf",
    "lf",
    "mvbf",
    "nlf",
    "parse",
    "set_rescor",
]
