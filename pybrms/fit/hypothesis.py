"""brms's ``hypothesis()``: non-linear hypotheses on parameters, tested with posterior draws.

A hypothesis is ``left (= | < | >) right``, e.g. ``"x > 0"`` or ``"a - b = 0"``.
As brms, it is rewritten as ``(left)-(right) <sign> 0`` (spaces removed), the
names in it are prefixed with the class (``b_``, or ``sd_<group>__``), and the
expression is evaluated over the draws. The table has brms's columns:
Estimate and Est.Error of the expression; CI.Lower and CI.Upper, a central
``1 - alpha`` interval for ``=`` and the ``alpha`` and ``1 - alpha`` quantiles
for ``<`` and ``>``; Evid.Ratio, the posterior odds of the hypothesis for
``<``/``>``, and for ``=`` the Savage-Dickey density ratio (posterior over prior
density of the expression at 0), which needs draws from the priors
(``brm(..., sample_prior="yes")``) and is NA without them, as in brms;
Post.Prob; Star.

The prior draws of a parameter are those of the longest prior name it starts
with, as brms's ``prior_draws()`` (``b_x`` takes ``prior_b_x``, else
``prior_b``; ``sd_g__Intercept`` takes ``prior_sd_g``), each shuffled on its own
so that parameters sharing one prior are independent a priori. The intercepts
``b_Intercept`` of centered designs have none (brms's ``ignore_prior``).
Densities are Gaussian kernel density estimates (:class:`scipy.stats.gaussian_kde`,
Scott's bandwidth) where brms uses ``KernSmooth::bkde``, so Evid.Ratio may
differ from brms's by the smoothing of the two estimates.

Expressions use numbers, ``+ - * / ^``, parentheses and the functions of
:data:`FUNCTIONS`; they are evaluated by walking their syntax tree, never with
``eval``.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import special, stats

from pybrms.errors import SpecError, warn_user
from pybrms.fit.estimates import MAD_CONSTANT, draws_frame
from pybrms.spec.terms import FixedEffects

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

__all__ = ["Hypothesis", "hypothesis"]

#: Functions allowed in hypotheses, by their R names.
FUNCTIONS: dict[str, Callable[[np.ndarray | float], np.ndarray | float]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "inv_logit": special.expit,
    "plogis": special.expit,
    "logit": special.logit,
    "qlogis": special.logit,
    "pnorm": special.ndtr,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
# brms's find_vars(): a name starts with a letter (or a dot not before a digit), may hold
# letters, digits, "_", ":" and ".", and may end in brackets ("Intercept[1]"); names
# followed by "(" are functions.
_NAME = re.compile(
    r"(?<![\w.\]])((?:[A-Za-z]|\.(?!\d))[\w:.]*(?:\[[^\],]+(?:,[^\],]+)*\])?)(?![\w:.(\[])"
)
_SIGNS = {"=": "equal", "<": "less", ">": "greater"}


@dataclass(frozen=True)
class Hypothesis:
    """Result of :func:`hypothesis`; ``print()`` it for brms's layout.

    Attributes
    ----------
    hypothesis
        One row per hypothesis: Hypothesis, Estimate, Est.Error, CI.Lower,
        CI.Upper, Evid.Ratio, Post.Prob, Star.
    samples
        Draws of each hypothesis' expression, columns ``H1``, ``H2``, ...
    prior_samples
        Its draws under the priors, for the hypotheses whose parameters all
        have prior draws (None when none has).
    cls
        The class the names were prefixed with (``"b"``, ``"sd_g"``).
    alpha
        The alpha level of the intervals.
    """

    hypothesis: pd.DataFrame
    samples: pd.DataFrame
    cls: str
    alpha: float
    prior_samples: pd.DataFrame | None = None

    def __str__(self) -> str:
        one, two = f"{(1 - 2 * self.alpha) * 100:g}", f"{(1 - self.alpha) * 100:g}"
        shown = self.hypothesis.round(2).replace([np.inf, -np.inf], ["Inf", "-Inf"])
        table = shown.to_string(na_rep="NA")
        return (
            f"Hypothesis Tests for class {self.cls}:\n{table}\n---\n"
            f"'CI': {one}%-CI for one-sided and {two}%-CI for two-sided hypotheses.\n"
            f"'*': For one-sided hypotheses, the posterior probability exceeds {two}%;\n"
            f"for two-sided hypotheses, the value tested against lies outside the {two}%-CI.\n"
            "Posterior probabilities of point hypotheses assume equal prior probabilities."
        )

    __repr__ = __str__


def hypothesis(
    fit: BrmsFit,
    hypothesis: str | Sequence[str] | Mapping[str, str],
    *,
    class_: str | None = "b",
    group: str = "",
    alpha: float = 0.05,
    robust: bool = False,
    seed: int | None = None,
) -> Hypothesis:
    """Test hypotheses about parameters, brms's ``hypothesis()``.

    Parameters
    ----------
    fit
        The fitted model.
    hypothesis
        One hypothesis, several, or a mapping name -> hypothesis (the names
        replace the rewritten text in the table).
    class_
        Prefix class of the names: ``"b"`` (population-level effects),
        ``"sd"``, ``"cor"``, ``"sigma"``...; None or ``""`` for full names
        (``"sd_g__Intercept^2 / (sd_g__Intercept^2 + sigma^2) = 0"``).
    group
        Grouping of ``sd``/``cor``: the names become ``<class>_<group>__<name>``.
    alpha
        The intervals are ``1 - alpha`` (two-sided) or ``1 - 2 alpha`` (one-sided).
    robust
        Median and MAD instead of mean and sd.
    seed
        Seed of the shuffling of prior draws (None: a fresh one).

    Returns
    -------
    Hypothesis

    Raises
    ------
    SpecError
        For a hypothesis without exactly one of ``=``, ``<``, ``>``, a name the
        model does not have, an expression with an unsupported operation, or
        ``alpha`` outside [0, 1].

    Examples
    --------
    >>> print(hypothesis(fit, "x > 0"))  # doctest: +SKIP
    Hypothesis Tests for class b:
      Hypothesis  Estimate  Est.Error  CI.Lower  CI.Upper  Evid.Ratio  Post.Prob Star
    0    (x) > 0      0.79       0.09      0.64      0.94         inf        1.0    *
    """
    if not 0 <= alpha <= 1:
        raise SpecError(f"alpha must be a single value in [0, 1], got {alpha!r}.")
    if isinstance(hypothesis, str):
        named = {"": hypothesis}
    elif isinstance(hypothesis, Mapping):
        named = dict(hypothesis)
    else:
        named = {f"\0{k}": h for k, h in enumerate(hypothesis)}
    if not named or not all(isinstance(h, str) for h in named.values()):
        raise SpecError("hypothesis must be a string, a list of strings or a mapping to strings.")
    prefix = class_ or ""
    if prefix and group:
        prefix = f"{prefix}_{group}__"
    elif prefix:
        prefix = f"{prefix}_"
    frame = draws_frame(fit)
    variables = {
        n[len(prefix) :]: frame[n].to_numpy()
        for n in frame.columns
        if n.startswith(prefix) and not n.startswith(".")
    }
    prior = _PriorDraws(fit, frame, np.random.default_rng(seed))
    rows, samples, prior_samples = [], {}, {}
    for k, (name, text) in enumerate(named.items(), start=1):
        row, values, prior_values = _evaluate(text, variables, prefix, alpha, robust, prior)
        if name and not name.startswith("\0"):
            row["Hypothesis"] = name
        rows.append(row)
        samples[f"H{k}"] = values
        if prior_values is not None:
            prior_samples[f"H{k}"] = prior_values
    table = pd.DataFrame(
        rows,
        index=pd.RangeIndex(1, len(rows) + 1),
        columns=[
            "Hypothesis",
            "Estimate",
            "Est.Error",
            "CI.Lower",
            "CI.Upper",
            "Evid.Ratio",
            "Post.Prob",
            "Star",
        ],
    )
    return Hypothesis(
        table,
        pd.DataFrame(samples),
        prefix.rstrip("_"),
        alpha,
        pd.DataFrame(prior_samples) if prior_samples else None,
    )


class _PriorDraws:
    """The prior draws of a fit's parameters, found as brms's ``prior_draws()`` finds them."""

    def __init__(self, fit: BrmsFit, frame: pd.DataFrame, rng: np.random.Generator) -> None:
        self._draws = {
            c.removeprefix("prior_"): frame[c].to_numpy()
            for c in frame.columns
            if c.startswith("prior_")
        }
        centered = {
            t.b_intercept for t in fit.spec.terms if isinstance(t, FixedEffects) and t.intercept
        }
        self._intercepts = {p.name for p in fit.spec.names if p.stan in centered}
        self._rng = rng

    def __call__(self, name: str) -> np.ndarray | None:
        """Shuffled prior draws of parameter ``name``, or None when it has none."""
        matches = [label for label in self._draws if name.startswith(label)]
        if not matches:
            return None
        if name in self._intercepts:
            warn_user(
                f"Sampling from the prior of an overall intercept ({name}) is not possible: "
                "the program samples the intercept of centered predictors. Use "
                "'0 + Intercept' in the formula to give the intercept a prior of its own."
            )
            return None
        return self._rng.permutation(self._draws[max(matches, key=len)])


def _evaluate(
    text: str,
    variables: Mapping[str, np.ndarray],
    prefix: str,
    alpha: float,
    robust: bool,
    prior: Callable[[str], np.ndarray | None],
) -> tuple[dict[str, object], np.ndarray, np.ndarray | None]:
    compact = re.sub(r"\s", "", text)
    signs = re.findall(r"[=<>]", compact)
    sides = [s for s in re.split(r"[=<>]", compact) if s]
    if len(signs) != 1 or len(sides) != 2:
        raise SpecError(
            f"Hypothesis {text!r}: every hypothesis must be of the form 'left (= OR < OR >) right'."
        )
    sign = signs[0]
    left, right = sides
    expression = f"({left})" + (f"-({right})" if right != "0" else "")
    names = list(dict.fromkeys(m.group(1) for m in _NAME.finditer(expression)))
    missing = [n for n in names if n not in variables]
    if missing:
        raise SpecError(
            f"Hypothesis {text!r}: some parameters cannot be found in the model: "
            f"{', '.join(prefix + n for n in missing)}. Parameters of this class: "
            f"{', '.join(prefix + n for n in variables) or 'none'}."
        )
    aliases = {n: f"_v{k}" for k, n in enumerate(names)}
    code = _NAME.sub(lambda m: aliases[m.group(1)], expression).replace("^", "**")
    tree = _parse(code, text)
    shape = next(iter(variables.values())).shape
    values = _draws_of(tree, {aliases[n]: variables[n] for n in names}, text, shape)
    prior_draws = {aliases[n]: prior(prefix + n) for n in names}
    prior_values = None
    if all(v is not None for v in prior_draws.values()):
        prior_values = _draws_of(tree, prior_draws, text, shape)  # type: ignore[arg-type]
    low, high = (alpha / 2, 1 - alpha / 2) if sign == "=" else (alpha, 1 - alpha)
    if robust:
        estimate = np.median(values)
        error = MAD_CONSTANT * np.median(np.abs(values - estimate))
    else:
        estimate, error = values.mean(), values.std(ddof=1)
    lower, upper = np.quantile(values, [low, high])
    ratio = _evidence_ratio(values, _SIGNS[sign], prior_values)
    prob = 1.0 if np.isinf(ratio) else ratio / (1 + ratio)
    if sign == "=":
        star = "*" if not lower <= 0 <= upper else ""
    else:
        star = "*" if prob > 1 - alpha else ""
    row = {
        "Hypothesis": f"{expression} {sign} 0",
        "Estimate": estimate,
        "Est.Error": error,
        "CI.Lower": lower,
        "CI.Upper": upper,
        "Evid.Ratio": ratio,
        "Post.Prob": prob,
        "Star": star,
    }
    return row, values, prior_values


def _draws_of(
    tree: ast.expr, values: Mapping[str, np.ndarray], text: str, shape: tuple[int, ...]
) -> np.ndarray:
    """The expression over the draws (a constant expression repeated once per draw)."""
    return np.broadcast_to(_walk(tree, values, text), shape).astype(float)


def _evidence_ratio(values: np.ndarray, direction: str, prior_values: np.ndarray | None) -> float:
    """Posterior odds of ``values < 0`` or ``> 0``; for a point hypothesis the
    Savage-Dickey ratio, posterior over prior density at 0 (NA without prior draws)."""
    if direction == "equal":
        if prior_values is None:
            return float("nan")
        return density_at(values, 0.0) / density_at(prior_values, 0.0)
    hits = int((values < 0).sum() if direction == "less" else (values > 0).sum())
    misses = len(values) - hits
    return float("inf") if misses == 0 else hits / misses


def density_at(values: np.ndarray, point: float) -> float:
    """Gaussian kernel density estimate of ``values`` at ``point`` (Scott's bandwidth);
    NA (nan) when the values do not vary.

    Examples
    --------
    >>> x = np.random.default_rng(1).normal(size=4000)
    >>> bool(abs(density_at(x, 0.0) - 1 / np.sqrt(2 * np.pi)) < 0.03)
    True
    """
    if not np.ptp(values) > 0:
        return float("nan")
    return float(stats.gaussian_kde(values, bw_method="scott")(point)[0])


def _parse(code: str, text: str) -> ast.expr:
    try:
        return ast.parse(code, mode="eval").body
    except SyntaxError:
        raise SpecError(f"Hypothesis {text!r} is not a valid expression.") from None


def _walk(node: ast.expr, values: Mapping[str, np.ndarray], text: str) -> np.ndarray | float:
    """Evaluate a syntax tree of numbers, names, arithmetic and :data:`FUNCTIONS`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left, values, text), _walk(node.right, values, text)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_walk(node.operand, values, text))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        return FUNCTIONS[node.func.id](_walk(node.args[0], values, text))
    raise SpecError(
        f"Hypothesis {text!r}: unsupported expression {ast.unparse(node)!r}; use numbers, "
        f"parameter names, + - * / ^ and the functions {', '.join(FUNCTIONS)}."
    )
