"""Do pybrms's posteriors agree with brms's? A check against brms itself (needs R with brms).

For each case, R's brms writes its own Stan program and data (``make_stancode``,
``make_standata``; nothing is compiled in R). pybrms's embedded backend samples brms's
program on brms's data, and pybrms fits the same formula, family and data with its own
program. For every parameter the two programs share (brms's names), the script prints
the difference of the posterior means in units of its Monte Carlo standard error,
``z = (mean_pybrms - mean_brms) / sqrt(mcse_pybrms^2 + mcse_brms^2)``, and the ratio of
posterior sds. Same posterior: |z| mostly below 2, rarely above 3.

    python benchmarks/brms_agreement.py [--draws 1000] [case ...]

Tests never need R; this script is for a machine that has it (e.g. Debian's
``r-cran-brms``).
"""

from __future__ import annotations

import argparse
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

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.fit.program import _stanc_info


@dataclass(frozen=True)
class Case:
    r_formula: str  # the formula in R, as a brms user writes it
    r_family: str
    formula: object  # the same in pybrms
    family: object
    data: pd.DataFrame
    r_prior: str = "NULL"  # priors in R
    prior: bm.priors.Priors | None = None  # the same in pybrms


def _data(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
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
    return pd.DataFrame(
        {
            "x": x,
            "g1": g1,
            "g2": g2,
            "y": eta + rng.normal(size=n),
            "gev": eta + ((-np.log(u)) ** -xi - 1) / xi,
            "count": np.where(rng.uniform(size=n) < 0.3, 0, rng.poisson(np.exp(eta))),
            "cat": np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)],
            "ord": ordinal,
            "xobs": latent + rng.normal(0, sdx),
            "sdx": sdx,
            "yme": 1.0 + 0.8 * latent + rng.normal(0, 0.5, size=n),
            "y1": 1 + 0.5 * x + e[:, 0],
            "y2": -1 + x + e[:, 1],
        }
    )


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
}


def _meta(seed: int, studies: int = 40) -> pd.DataFrame:
    """One effect estimate per study with its known standard error."""
    rng = np.random.default_rng(seed)
    sei = rng.uniform(0.1, 0.5, size=studies)
    return pd.DataFrame(
        {
            "study": np.arange(1, studies + 1),
            "yi": 0.3 + rng.normal(0, 0.2, size=studies) + rng.normal(0, sei),
            "sei": sei,
        }
    )


def _survival(seed: int, n: int = 300) -> pd.DataFrame:
    """Weibull times, censored to the left, the right or an interval (brms's -1, 1, 2)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    time = np.exp(0.5 + 0.4 * x) * rng.weibull(1.5, size=n) / np.exp(0.0)
    kind = rng.choice([0, -1, 1, 2], size=n, p=[0.55, 0.1, 0.2, 0.15])
    lower = np.where(kind == 2, time * rng.uniform(0.5, 0.9, size=n), time)
    upper = np.where(kind == 2, time * rng.uniform(1.1, 1.5, size=n), 0.0)
    return pd.DataFrame({"x": x, "time": lower, "censored": kind, "time2": upper})


def _series(seed: int, series: int = 6, length: int = 50) -> pd.DataFrame:
    """ARMA(1, 1) residuals within each series, rows shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(1, series + 1):
        x = rng.normal(size=length)
        shock = rng.normal(0, 0.7, size=length)
        err = np.zeros(length)
        for t in range(length):
            err[t] = (0.6 * err[t - 1] + 0.3 * shock[t - 1] if t else 0.0) + shock[t]
        rows.append(pd.DataFrame({"s": s, "t": np.arange(1, length + 1), "x": x, "y": 1 + x + err}))
    return pd.concat(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _sparse(seed: int, n: int = 200) -> pd.DataFrame:
    """Eight predictors, two of them with effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    y = 0.5 + 1.0 * x[:, 0] - 0.7 * x[:, 1] + rng.normal(size=n)
    return pd.DataFrame({"y": y, **{f"x{k}": x[:, k - 1] for k in range(1, 9)}})


def _more(seed: int, n: int = 300) -> pd.DataFrame:
    """Truncated, exposure and growth-curve responses, and two responses sharing effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.integers(1, 11, size=n)
    u = rng.normal(0, 0.4, size=(11, 2))
    yt = 0.5 + 0.8 * x + rng.normal(size=n)
    while (bad := yt <= 0).any():
        yt[bad] = 0.5 + 0.8 * x[bad] + rng.normal(size=bad.sum())
    expo = rng.uniform(1, 10, size=n)
    dose = rng.uniform(0, 4, size=n)
    return pd.DataFrame(
        {
            "x": x,
            "g": g,
            "yt": yt,
            "expo": expo,
            "count": rng.poisson(expo * np.exp(-1 + 0.5 * x)),
            "dose": dose,
            "yg": (2 + u[g, 0]) * (1 - np.exp(-0.8 * dose)) + rng.normal(0, 0.2, size=n),
            "y1": 1 + 0.5 * x + u[g, 0] + rng.normal(size=n),
            "y2": -1 + x + u[g, 1] + rng.normal(size=n),
        }
    )


def _subset(seed: int, n: int = 300) -> pd.DataFrame:
    """y1 observed (and used) on about 60% of the rows, y2 on all."""
    df = _more(seed, n)
    rng = np.random.default_rng(seed + 1)
    used = rng.uniform(size=n) < 0.6
    df["s1"] = used.astype(int)  # 1/0: R's read.csv leaves True/False as text
    df["y1"] = df["y1"].where(used)
    return df


_EIGHT = " + ".join(f"x{k}" for k in range(1, 9))

CASES |= {
    "se_meta_analysis": Case(
        "yi | se(sei) ~ 1 + (1 | study)", "gaussian()", "yi | se(sei) ~ 1 + (1 | study)",
        "gaussian", _meta(11),
    ),
    "weibull_cens": Case(
        "time | cens(censored, time2) ~ x", "weibull()", "time | cens(censored, time2) ~ x",
        "weibull", _survival(12),
    ),
    "gaussian_trunc": Case(
        "yt | trunc(lb = 0) ~ x", "gaussian()", "yt | trunc(lb = 0) ~ x", "gaussian", _more(13)
    ),
    "poisson_rate": Case(
        "count | rate(expo) ~ x", "poisson()", "count | rate(expo) ~ x", "poisson", _more(14)
    ),
    "nonlinear_growth": Case(
        "bf(yg ~ a * (1 - exp(-b * dose)), a ~ 1 + (1 | g), b ~ 1, nl = TRUE)",
        "gaussian()",
        bm.bf("yg ~ a * (1 - exp(-b * dose))", "a ~ 1 + (1 | g)", "b ~ 1", nl=True),
        "gaussian",
        _more(15),
        'prior(normal(2, 1), nlpar = "a") + prior(normal(1, 0.5), nlpar = "b", lb = 0)',
        bm.prior("normal(2, 1)", nlpar="a") + bm.prior("normal(1, 0.5)", nlpar="b", lb=0),
    ),
    "ar1": Case(
        "y ~ x + ar(time = t, gr = s, p = 1)", "gaussian()",
        "y ~ x + ar(time = t, gr = s, p = 1)", "gaussian", _series(16),
    ),
    "arma11": Case(
        "y ~ x + arma(time = t, gr = s, p = 1, q = 1)", "gaussian()",
        "y ~ x + arma(time = t, gr = s, p = 1, q = 1)", "gaussian", _series(17),
    ),
    "horseshoe": Case(
        f"y ~ {_EIGHT}", "gaussian()", f"y ~ {_EIGHT}", "gaussian", _sparse(18),
        "prior(horseshoe(1))", bm.prior("horseshoe(1)"),
    ),
    "R2D2": Case(
        f"y ~ {_EIGHT}", "gaussian()", f"y ~ {_EIGHT}", "gaussian", _sparse(19),
        # cons_D2 given: its default is 0.5 since brms 2.20 (pybrms's), 1 in brms 2.18
        "prior(R2D2(mean_R2 = 0.5, prec_R2 = 2, cons_D2 = 0.5))",
        bm.prior("R2D2(mean_R2=0.5, prec_R2=2, cons_D2=0.5)"),
    ),
    "multivariate_shared_id": Case(
        "bf(y1 ~ x + (1 | p | g)) + bf(y2 ~ x + (1 | p | g)) + set_rescor(FALSE)",
        "gaussian()",
        bm.bf("y1 ~ x + (1 | p | g)") + bm.bf("y2 ~ x + (1 | p | g)") + bm.set_rescor(False),
        "gaussian",
        _more(20),
    ),
    "multivariate_subset": Case(
        "bf(y1 | subset(s1) ~ x + (1 | g)) + bf(y2 ~ x) + set_rescor(FALSE)",
        "gaussian()",
        bm.bf("y1 | subset(s1) ~ x + (1 | g)") + bm.bf("y2 ~ x") + bm.set_rescor(False),
        "gaussian",
        _subset(21),
    ),
}  # fmt: skip


_R = """
suppressMessages(library(brms))
data <- read.csv("{csv}")
if (!is.null(data$cat)) data$cat <- factor(data$cat)
if (!is.null(data$ord)) data$ord <- ordered(data$ord)
f <- {formula}
p <- {prior}
writeLines(make_stancode(f, data = data, family = {family}, prior = p), "{stan}")
sdata <- make_standata(f, data = data, family = {family}, prior = p)
sdata <- lapply(unclass(sdata), function(v) {{
  d <- dim(v); attributes(v) <- NULL; if (!is.null(d)) dim(v) <- d; v
}})
jsonlite::write_json(sdata, "{json}", digits = NA, auto_unbox = FALSE)
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


def brms_program(case: Case, folder: Path) -> tuple[str, dict[str, Any]]:
    """brms's Stan program and its data, as Stan JSON values."""
    csv, stan, data_json = folder / "data.csv", folder / "model.stan", folder / "data.json"
    case.data.to_csv(csv, index=False)
    script = _R.format(
        csv=csv,
        formula=case.r_formula,
        family=case.r_family,
        prior=case.r_prior,
        stan=stan,
        json=data_json,
    )
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"R failed:\n{done.stderr}")
    code = modern_arrays(stan.read_text())
    inputs = _stanc_info(code)["inputs"]
    raw = json.loads(data_json.read_text())
    # R writes every value as an array: scalars are arrays of one
    data = {
        name: raw[name][0] if info["dimensions"] == 0 else raw[name]
        for name, info in inputs.items()
    }
    return code, data


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


def compare(name: str, case: Case, draws: int) -> None:
    with tempfile.TemporaryDirectory(prefix="brms-agreement-") as folder:
        code, data = brms_program(case, Path(folder))
    reference = compile_model(code, backend="embedded", show_progress=False)
    theirs = reference.sample(
        data, chains=2, iter_warmup=draws, iter_sampling=draws, seed=1, show_progress=False
    )
    fit = bm.brm(
        case.formula,
        case.data,
        family=case.family,
        prior=case.prior,
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
    zs = []
    for p in shared:
        (m1, s1, e1), (m2, s2, e2) = ours_summary[p], theirs_summary[p]
        if s1 == 0 and s2 == 0:
            continue  # a constant (e.g. a fixed disc)
        z = (m1 - m2) / np.hypot(e1, e2)
        zs.append(abs(z))
        print(f"{p:>28} {m1:>9.4f} {m2:>9.4f} {z:>6.2f} {s1 / s2:>9.3f}")
    print(f"largest |z|: {max(zs):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--draws", type=int, default=1000)
    options = parser.parse_args()
    for name in options.cases:
        compare(name, CASES[name], options.draws)


if __name__ == "__main__":
    main()
