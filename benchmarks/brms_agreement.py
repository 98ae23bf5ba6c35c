"""Do pybrms's posteriors agree with brms's? A check against brms itself (needs R with brms).

For each case, R's brms writes its own Stan program and data (``make_stancode``,
``make_standata``; nothing is compiled in R). pybrms's embedded backend samples brms's
program on brms's data, and pybrms fits the same formula, family and data with its own
program. For every parameter the two programs share (brms's names), the script prints
the difference of the posterior means in units of its Monte Carlo standard error,
``z = (mean_pybrms - mean_brms) / sqrt(mcse_pybrms^2 + mcse_brms^2)``, and the ratio of
posterior sds. Same posterior: |z| mostly below 2, rarely above 3. Each case ends with
one line (largest |z|, range of sd ratios; flagged beyond 3.5 or outside 0.8-1.25) and
the run with a markdown table of those lines. One R session writes every chosen case's
program and data, and brms's and pybrms's programs are compiled together
(``pybrms.precompile``), so a batch of cases costs far less than its cases one by one.

    python benchmarks/brms_agreement.py [--draws 1000] [--list] [case or pattern ...]

e.g. ``python benchmarks/brms_agreement.py 'hurdle_*' von_mises``.

Tests never need R; this script is for a machine that has it (e.g. Debian's
``r-cran-brms``).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
from scipy import special, stats

import pybrms as bm
from pybrms.backends import compile_model, precompile
from pybrms.fit.program import _stanc_info


@dataclass(frozen=True)
class Case:
    r_formula: str  # the formula in R, as a brms user writes it
    r_family: str
    formula: object  # the same in pybrms
    family: object
    data: pd.DataFrame
    r_setup: str = ""  # R code run before the formula: matrix responses, a custom family
    stanvars: object = None  # pybrms's stanvars (brms's are defined in r_setup)
    prior: object = None  # pybrms's priors (brms's, `bprior`, are set in r_setup)


def _softmax(eta: np.ndarray) -> np.ndarray:
    e = np.exp(eta - eta.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _data(seed: int, n: int = 300) -> pd.DataFrame:
    """One data set with a response for every family (each case uses its columns)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    g1, g2 = rng.integers(1, 11, size=n), rng.integers(1, 11, size=n)
    effects = rng.normal(0, 0.5, size=11)
    eta = 0.3 + 0.8 * x + 0.5 * (effects[g1] + effects[g2])
    latent = 0.5 + rng.normal(size=n)
    sdx = rng.uniform(0.2, 0.5, size=n)
    cuts = np.array([-1.0, 0.0, 1.0])
    ordinal = 1 + (eta[:, None] + rng.logistic(size=n)[:, None] > cuts).sum(axis=1)
    u = rng.uniform(size=n)
    xi = 0.2
    e = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=n)
    zero = rng.uniform(size=n) < 0.2
    one = rng.uniform(size=n) < 0.1
    mu01 = special.expit(0.5 * eta)
    prop = np.clip(rng.beta(5 * mu01, 5 * (1 - mu01)), 1e-6, 1 - 1e-6)
    positive = np.exp(0.5 + 0.5 * x + 0.5 * rng.normal(size=n))
    size = np.full(n, 10)
    bb = rng.binomial(size, rng.beta(8 * mu01, 8 * (1 - mu01)))
    shares = _softmax(np.column_stack([np.zeros(n), 0.5 * x, -0.5 + x]))
    counts = np.array([rng.multinomial(10, p) for p in shares])
    props = np.array([rng.dirichlet(10 * p) for p in shares])
    component = rng.uniform(size=n) < 0.4
    angle = 2 * np.arctan(0.2 + 0.5 * x) + rng.vonmises(0, 4, size=n)
    return pd.DataFrame(
        {
            "x": x,
            "z": z,
            "g1": g1,
            "g2": g2,
            "y": eta + rng.normal(size=n),
            "gev": eta + ((-np.log(u)) ** -xi - 1) / xi,
            "count": np.where(zero, 0, rng.poisson(np.exp(0.3 + 0.5 * x))),
            "nb": rng.negative_binomial(2, 2 / (2 + np.exp(0.5 + 0.5 * x))),
            "cat": np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)],
            "ord": ordinal,
            "xobs": latent + rng.normal(0, sdx),
            "sdx": sdx,
            "yme": 1.0 + 0.8 * latent + rng.normal(0, 0.5, size=n),
            "y1": 1 + 0.5 * x + e[:, 0],
            "y2": -1 + x + e[:, 1],
            "size": size,
            "zib": np.where(zero, 0, rng.binomial(size, mu01)),
            "bb": bb,
            "prop0": np.where(zero, 0.0, prop),
            "prop01": np.where(zero, 0.0, np.where(one, 1.0, prop)),
            "pos": positive,
            "pos0": np.where(zero, 0.0, positive),
            "skew": eta + stats.skewnorm.rvs(4, size=n, random_state=rng),
            "exg": eta + rng.normal(0, 0.5, size=n) + rng.exponential(1, size=n),
            "shifted": 0.3 + positive,
            "weib": np.exp(0.5 + 0.3 * x) * rng.weibull(2, size=n),
            "frech": np.exp(0.5 + 0.3 * x) * (-np.log(rng.uniform(size=n))) ** (-1 / 4),
            "angle": np.angle(np.exp(1j * angle)),
            "geo": rng.negative_binomial(1, 1 / (1 + np.exp(0.5 + 0.5 * x))),
            "m1": counts[:, 0],
            "m2": counts[:, 1],
            "m3": counts[:, 2],
            "p1": props[:, 0],
            "p2": props[:, 1],
            "p3": props[:, 2],
            "ymix": np.where(component, -2, 2) + 0.5 * x + rng.normal(size=n),
            "cmix": rng.poisson(np.exp(np.where(component, 0.5, 2.0) + 0.3 * x)),
        }
    )


_DATA = _data(1)

_BETA_BINOMIAL2 = """
  real beta_binomial2_lpmf(int y, real mu, real phi, int T) {
    return beta_binomial_lpmf(y | T, mu * phi, (1 - mu) * phi);
  }
"""
# brms's vignette "Define Custom Response Distributions"
_R_BETA_BINOMIAL2 = f"""
beta_binomial2 <- custom_family(
  "beta_binomial2", dpars = c("mu", "phi"), links = c("logit", "log"),
  lb = c(0, 0), ub = c(1, NA), type = "int", vars = "vint1[n]")
stanvars <- stanvar(scode = "{_BETA_BINOMIAL2}", block = "functions")
"""


def _case(formula: str, family: str, **options: Any) -> Case:
    """A case whose formula and family read the same in R and in pybrms."""
    return Case(formula, f"{family}()", formula, family, _DATA, **options)


def _ordinal(family: str, link: str, formula: str = "ord ~ x") -> Case:
    return Case(formula, f"{family}('{link}')", formula, bm.family(family, link=link), _DATA)


CASES = {
    "gen_extreme_value": Case(
        "gev ~ x", "gen_extreme_value()", "gev ~ x", "gen_extreme_value", _data(1)
    ),
    "categorical": Case("cat ~ x", "categorical()", "cat ~ x", "categorical", _data(2)),
    "zero_inflated_poisson": Case(
        "bf(count ~ x, zi ~ x)",
        "zero_inflated_poisson()",
        bm.bf("count ~ x", zi="~ x"),
        "zero_inflated_poisson",
        _data(3),
    ),
    "sratio_cs": Case("ord ~ cs(x)", "sratio()", "ord ~ cs(x)", "sratio", _data(4)),
    "multi_membership": Case(
        "y ~ x + (1 | mm(g1, g2))", "gaussian()", "y ~ x + (1 | mm(g1, g2))", "gaussian", _data(5)
    ),
    "measurement_error": Case(
        "yme ~ me(xobs, sdx)", "gaussian()", "yme ~ me(xobs, sdx)", "gaussian", _data(6)
    ),
    "multivariate_rescor": Case(
        "bf(mvbind(y1, y2) ~ x) + set_rescor(TRUE)",
        "gaussian()",
        bm.bf("mvbind(y1, y2) ~ x") + bm.set_rescor(True),
        "gaussian",
        _data(7),
    ),
    "zero_inflated_negbinomial": _case("count ~ x", "zero_inflated_negbinomial"),
    "zero_inflated_binomial": Case(
        "bf(zib | trials(size) ~ x, zi ~ x)",
        "zero_inflated_binomial()",
        bm.bf("zib | trials(size) ~ x", zi="~ x"),
        "zero_inflated_binomial",
        _DATA,
    ),
    "zero_inflated_beta": _case("prop0 ~ x", "zero_inflated_beta"),
    "zero_one_inflated_beta": Case(
        "bf(prop01 ~ x, coi ~ x)",
        "zero_one_inflated_beta()",
        bm.bf("prop01 ~ x", coi="~ x"),
        "zero_one_inflated_beta",
        _DATA,
    ),
    "hurdle_poisson": Case(
        "bf(count ~ x, hu ~ x)",
        "hurdle_poisson()",
        bm.bf("count ~ x", hu="~ x"),
        "hurdle_poisson",
        _DATA,
    ),
    "hurdle_negbinomial": _case("count ~ x", "hurdle_negbinomial"),
    "hurdle_gamma": Case(
        "bf(pos0 ~ x, hu ~ x)",
        "hurdle_gamma()",
        bm.bf("pos0 ~ x", hu="~ x"),
        "hurdle_gamma",
        _DATA,
    ),
    "hurdle_lognormal": _case("pos0 ~ x", "hurdle_lognormal"),
    "skew_normal": _case("skew ~ x", "skew_normal"),
    "exgaussian": _case("exg ~ x", "exgaussian"),
    "shifted_lognormal": _case("shifted ~ x", "shifted_lognormal"),
    "weibull": _case("weib ~ x", "weibull"),
    "exponential": _case("weib ~ x", "exponential"),
    "frechet": _case("frech ~ x", "frechet"),
    # with a flat prior on b the posterior is improper (2 atan(eta) is bounded, so the
    # likelihood flattens as |b| grows, and a chain may drift away): normal(0, 2) on b
    "von_mises": _case(
        "angle ~ x",
        "von_mises",
        r_setup="bprior <- prior(normal(0, 2), class = b)",
        prior=bm.prior("normal(0, 2)", class_="b"),
    ),
    "beta_binomial": _case("bb | trials(size) ~ x", "beta_binomial"),
    "geometric": _case("geo ~ x", "geometric"),
    "student_nu": Case(
        "bf(y ~ x, nu ~ 1)", "student()", bm.bf("y ~ x", nu="~ 1"), "student", _DATA
    ),
    "multinomial": Case(
        "Y | trials(size) ~ x",
        "multinomial()",
        "cbind(m1, m2, m3) | trials(size) ~ x",
        "multinomial",
        _DATA,
        r_setup="data$Y <- with(data, cbind(m1 = m1, m2 = m2, m3 = m3))",
    ),
    "dirichlet": Case(
        "P ~ x",
        "dirichlet()",
        "cbind(p1, p2, p3) ~ x",
        "dirichlet",
        _DATA,
        r_setup="data$P <- with(data, cbind(p1 = p1, p2 = p2, p3 = p3))",
    ),
    "cratio_probit": _ordinal("cratio", "probit"),
    "acat_logit": _ordinal("acat", "logit"),
    "acat_cloglog": _ordinal("acat", "cloglog"),
    "sratio_cauchit": _ordinal("sratio", "cauchit"),
    "cumulative_disc": Case(
        "bf(ord ~ x, disc ~ 0 + z)",
        "cumulative()",
        bm.bf("ord ~ x", disc="~ 0 + z"),
        "cumulative",
        _DATA,
    ),
    "mixture_gaussian": Case(
        "ymix ~ x",
        "mixture(gaussian(), gaussian())",
        "ymix ~ x",
        bm.mixture("gaussian", "gaussian"),
        _DATA,
    ),
    # flat priors on b leave a component's slope free where its weight vanishes, and a
    # chain may drift away: normal(0, 2) on b, as for von_mises
    "mixture_poisson": Case(
        "cmix ~ x",
        "mixture(poisson(), poisson())",
        "cmix ~ x",
        bm.mixture("poisson", "poisson"),
        _DATA,
        r_setup="bprior <- prior(normal(0, 2), class = b, dpar = mu1) + "
        "prior(normal(0, 2), class = b, dpar = mu2)",
        prior=bm.prior("normal(0, 2)", class_="b", dpar="mu1")
        + bm.prior("normal(0, 2)", class_="b", dpar="mu2"),
    ),
    "custom_beta_binomial2": Case(
        "bb | vint(size) ~ x",
        "beta_binomial2",
        "bb | vint(size) ~ x",
        bm.custom_family(
            "beta_binomial2",
            dpars=["mu", "phi"],
            links=["logit", "log"],
            lb=[0, 0],
            ub=[1, None],
            type="int",
            vars=["vint1[n]"],
        ),
        _DATA,
        r_setup=_R_BETA_BINOMIAL2,
        stanvars=bm.stanvar(_BETA_BINOMIAL2),
    ),
}

# one R session writes every case's program and data (loading brms takes a while)
_R_CASE = """
local({{
data <- read.csv("{csv}")
data$cat <- factor(data$cat)
data$ord <- ordered(data$ord)
stanvars <- NULL
bprior <- NULL
{setup}
f <- {formula}
code <- make_stancode(f, data = data, family = {family}, prior = bprior, stanvars = stanvars)
writeLines(code, "{stan}")
sdata <- make_standata(f, data = data, family = {family}, prior = bprior, stanvars = stanvars)
sdata <- lapply(unclass(sdata), function(v) {{
  d <- dim(v); attributes(v) <- NULL; if (!is.null(d)) dim(v) <- d; v
}})
jsonlite::write_json(sdata, "{json}", digits = NA, auto_unbox = FALSE)
}})
"""


_TYPE = r"(?:int|real|vector|row_vector|matrix|simplex|ordered|cholesky_factor_corr)"
# old array syntax, which brms 2.18 writes for rstan: `int<lower=1> J[N];`, `vector[K] z[M];`
_OLD_DECLARATION = re.compile(
    rf"^(\s*)({_TYPE}(?:<[^>;]*>)?(?:\[[^\]]*\])?)\s+(\w+)\[([^\]]+)\](\s*(?:=[^;]*)?;)",
    re.MULTILINE,
)
# `int[] Y` in function arguments
_OLD_ARGUMENT = re.compile(rf"\b(data\s+)?({_TYPE})\[(\s*(?:,\s*)*)\]\s+(\w+)")


def modern_arrays(code: str) -> str:
    """brms 2.18's program in Stan's current array syntax (``array[N] int Y;``)."""
    code = _OLD_DECLARATION.sub(r"\1array[\4] \2 \3\5", code)
    return _OLD_ARGUMENT.sub(lambda m: f"{m[1] or ''}array[{m[3]}] {m[2]} {m[4]}", code)


def brms_programs(cases: dict[str, Case], folder: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """brms's Stan program and its data (as Stan JSON values) for each case."""
    script = ["suppressMessages(library(brms))"]
    for name, case in cases.items():
        csv = folder / f"{name}.csv"
        case.data.to_csv(csv, index=False)
        script.append(
            _R_CASE.format(
                csv=csv,
                setup=case.r_setup,
                formula=case.r_formula,
                family=case.r_family,
                stan=folder / f"{name}.stan",
                json=folder / f"{name}.json",
            )
        )
    (folder / "brms.R").write_text("\n".join(script))
    subprocess.run(["Rscript", str(folder / "brms.R")], check=True, text=True)
    out = {}
    for name in cases:
        code = modern_arrays((folder / f"{name}.stan").read_text())
        inputs = _stanc_info(code)["inputs"]
        raw = json.loads((folder / f"{name}.json").read_text())
        # R writes every value as an array: scalars are arrays of one
        data = {
            key: raw[key][0] if info["dimensions"] == 0 else raw[key]
            for key, info in inputs.items()
        }
        out[name] = (code, data)
    return out


def summaries(draws: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """(mean, sd, mcse of the mean) of every scalar element, by Stan-CSV name."""
    out = {}
    for name, values in draws.items():
        flat = values.reshape(values.shape[0], values.shape[1], -1)
        for k in range(flat.shape[2]):
            v = flat[:, :, k]
            label = name if flat.shape[2] == 1 else f"{name}[{k + 1}]"
            mcse = float(np.asarray(az.mcse(v, method="mean")).item())
            out[label] = (float(v.mean()), float(v.std(ddof=1)), mcse)
    return out


@dataclass(frozen=True)
class Agreement:
    """The comparison of one case: per shared parameter, z and the sd ratio."""

    name: str
    rows: list[tuple[str, float, float, float, float]]  # parameter, means, z, sd ratio

    @property
    def largest_z(self) -> float:
        return max(abs(r[3]) for r in self.rows)

    @property
    def sd_ratios(self) -> tuple[float, float]:
        ratios = [r[4] for r in self.rows]
        return min(ratios), max(ratios)

    @property
    def agrees(self) -> bool:
        low, high = self.sd_ratios
        return self.largest_z <= 3.5 and 0.8 <= low and high <= 1.25


def compare(name: str, case: Case, program: tuple[str, dict[str, Any]], draws: int) -> Agreement:
    code, data = program
    reference = compile_model(code, backend="embedded", show_progress=False)
    theirs = reference.sample(
        data, chains=2, iter_warmup=draws, iter_sampling=draws, seed=1, show_progress=False
    )
    fit = bm.brm(
        case.formula,
        case.data,
        family=case.family,
        prior=case.prior,
        stanvars=case.stanvars,
        chains=2,
        iter=2 * draws,
        seed=2,
        show_progress=False,
    )
    ours_summary = summaries(fit.draws.variables())
    theirs_summary = summaries(theirs.variables())
    shared = [
        p
        for p in ours_summary
        if p in theirs_summary and not p.startswith(("lp__", "lprior", "z_", "zme_", "Xme_"))
    ]
    print(f"\n{name}: {case.r_formula} ({case.r_family}), {len(shared)} shared parameters")
    print(f"{'parameter':>28} {'pybrms':>9} {'brms':>9} {'z':>6} {'sd ratio':>9}")
    rows = []
    for p in shared:
        (m1, s1, e1), (m2, s2, e2) = ours_summary[p], theirs_summary[p]
        if s1 == 0 and s2 == 0:
            continue  # a constant (e.g. a fixed disc)
        z = (m1 - m2) / np.hypot(e1, e2)
        rows.append((p, m1, m2, z, s1 / s2))
        print(f"{p:>28} {m1:>9.4f} {m2:>9.4f} {z:>6.2f} {s1 / s2:>9.3f}")
    result = Agreement(name, rows)
    low, high = result.sd_ratios
    flag = "" if result.agrees else "  <-- check"
    print(f"{name}: largest |z| {result.largest_z:.2f}, sd ratio {low:.2f}-{high:.2f}{flag}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases", nargs="*", default=["*"], help="case names or patterns such as 'hurdle_*'"
    )
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    options = parser.parse_args()
    chosen = {
        name: case
        for name, case in CASES.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in options.cases)
    }
    if options.list or not chosen:
        for name, case in CASES.items():
            print(f"{name:>28}  {case.r_formula}  ({case.r_family})")
        return
    with tempfile.TemporaryDirectory(prefix="brms-agreement-") as folder:
        programs = brms_programs(chosen, Path(folder))
    ours = [
        bm.stancode(c.formula, c.data, family=c.family, prior=c.prior, stanvars=c.stanvars)
        for c in chosen.values()
    ]
    # brms's and pybrms's programs compiled together, in batches sharing one compiler run
    precompile([code for code, _ in programs.values()] + ours, backend="embedded")
    results = [compare(name, case, programs[name], options.draws) for name, case in chosen.items()]
    print("\n| case | largest abs(z) | sd ratio | N | draws |\n|---|---|---|---|---|")
    for (name, case), result in zip(chosen.items(), results, strict=True):
        low, high = result.sd_ratios
        print(
            f"| {name} | {result.largest_z:.2f} | {low:.2f}-{high:.2f} | {len(case.data)} | "
            f"{2 * options.draws} |"
        )


if __name__ == "__main__":
    main()
