"""Do pybrms's posteriors agree with brms's? A check against brms itself (needs R with brms).

For each case, R's brms writes its own Stan program and data (``make_stancode``,
``make_standata``; nothing is compiled in R). pybrms's embedded backend samples brms's
program on brms's data, and pybrms fits the same formula, family and data with its own
program. For every parameter the two programs share (brms's names), the script prints
the difference of the posterior means in units of its Monte Carlo standard error,
``z = (mean_pybrms - mean_brms) / sqrt(mcse_pybrms^2 + mcse_brms^2)``, and the ratio of
posterior sds. Same posterior: |z| mostly below 2, rarely above 3.

The parameters of smooths and Gaussian processes depend on their basis (a sign or
a rotation may differ), so for those cases (``curve=True``) the script compares the
fitted curve instead: the posterior of ``mu`` at every data row, which brms's
program is made to output (its model block's linear predictor, copied into
generated quantities), against pybrms's ``posterior_linpred()``.

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
    curve: bool = False  # compare mu at the rows, not the basis-dependent parameters


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


def _smooth_data(seed: int, n: int = 200) -> pd.DataFrame:
    """A wiggly, cyclic-friendly mean in x, a gentler one in z, and a slope by factor."""
    rng = np.random.default_rng(seed)
    x, z = rng.uniform(0, 1, size=n), rng.uniform(0, 1, size=n)
    f = np.array(["a", "b", "c"])[rng.integers(0, 3, size=n)]
    slope = np.select([f == "b", f == "c"], [1.0, -1.0], 0.0)
    mu = np.sin(2 * np.pi * x) + 0.5 * np.cos(np.pi * z) + 0.8 * x * z + slope * x
    return pd.DataFrame({"x": x, "z": z, "f": f, "y": mu + rng.normal(0, 0.3, size=n)})


def _curve(r_formula: str, formula: str, seed: int, n: int = 200) -> Case:
    return Case(r_formula, "gaussian()", formula, "gaussian", _smooth_data(seed, n), curve=True)


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
    "s": _curve("y ~ s(x)", "y ~ s(x)", 11),
    "s_cr": _curve('y ~ s(x, bs = "cr", k = 8)', 'y ~ s(x, bs = "cr", k = 8)', 12),
    "s_cc": _curve('y ~ s(x, bs = "cc")', 'y ~ s(x, bs = "cc")', 13),
    "s_xz": _curve("y ~ s(x, z)", "y ~ s(x, z)", 14),
    "s_by": _curve("y ~ f + s(x, by = f)", "y ~ f + s(x, by = f)", 15),
    "t2": _curve("y ~ t2(x, z)", "y ~ t2(x, z)", 16),
    "gp": _curve("y ~ gp(x)", "y ~ gp(x)", 17, n=80),
    "gp_approx": _curve("y ~ gp(x, k = 20, c = 5/4)", "y ~ gp(x, k = 20, c = 5/4)", 18),
}

_R = """
suppressMessages(library(brms))
data <- read.csv("{csv}")
for (v in names(data)) if (is.character(data[[v]])) data[[v]] <- factor(data[[v]])
if (!is.null(data$ord)) data$ord <- ordered(data$ord)
f <- {formula}
writeLines(make_stancode(f, data = data, family = {family}), "{stan}")
sdata <- make_standata(f, data = data, family = {family})
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


_MODEL = re.compile(r"^model \{\n(.*?)^\}", re.MULTILINE | re.DOTALL)
_GLM = re.compile(r"_glm_lpdf\(Y \| (\w+), mu, (\w+),")


def with_mu(code: str) -> str:
    """brms's program that also outputs ``mu_curve``, the linear predictor its model
    block computes before the likelihood (brms keeps it local)."""
    model = _MODEL.search(code)
    if model is None:
        raise ValueError("brms's program has no model block")
    lines = model[1].splitlines()
    start = next(k for k, line in enumerate(lines) if "if (!prior_only)" in line) + 1
    end = next(k for k, line in enumerate(lines) if "target +=" in line)
    body = "\n".join(line for line in lines[start:end] if not line.strip().startswith("//"))
    # a GLM likelihood adds the design matrix times b itself: normal_id_glm_lpdf(Y | Xc, mu, b, ..)
    glm = _GLM.search(lines[end])
    value = f"mu + {glm[1]} * {glm[2]}" if glm else "mu"
    extra = f"  vector[N] mu_curve;\n  {{\n{body}\n    mu_curve = {value};\n  }}\n}}\n"
    return code.rstrip().removesuffix("}") + extra


def brms_program(case: Case, folder: Path) -> tuple[str, dict[str, Any]]:
    """brms's Stan program and its data, as Stan JSON values."""
    csv, stan, data_json = folder / "data.csv", folder / "model.stan", folder / "data.json"
    case.data.to_csv(csv, index=False)
    script = _R.format(
        csv=csv, formula=case.r_formula, family=case.r_family, stan=stan, json=data_json
    )
    subprocess.run(["Rscript", "-e", script], check=True, capture_output=True, text=True)
    code = modern_arrays(stan.read_text())
    if case.curve:
        code = with_mu(code)
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


# Parameters whose values depend on the basis of a smooth or GP (compared by the curve).
_BASIS = ("bs", "s_", "zs_", "zgp_", "mu_curve")


def compare(name: str, case: Case, draws: int) -> tuple[str, float, str]:
    """Print the comparison of one case; return (case, largest |z|, sd ratio range) of
    its curve, or of its parameters when it has no curve."""
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
        chains=2,
        iter=2 * draws,
        seed=2,
        show_progress=False,
    )
    ours_summary = summaries(fit.draws.variables())
    # brms 2.18 declares each smooth's sds as scalars sds_1_1, sds_1_2 (pybrms: the
    # vector sds_1, whose one element is named sds_1)
    theirs_summary = {}
    for p, v in summaries(theirs.variables()).items():
        vector = re.sub(r"^sds_(\d+)_(\d+)$", r"sds_\1[\2]", p)
        theirs_summary[vector if vector in ours_summary else vector.removesuffix("[1]")] = v
    skipped = ("lp__", "lprior", "z_", "zme_", "Xme_", *(_BASIS if case.curve else ()))
    shared = [p for p in ours_summary if p in theirs_summary and not p.startswith(skipped)]
    print(f"\n{name}: {case.r_formula} ({case.r_family}), {len(shared)} shared parameters")
    print(f"{'parameter':>28} {'pybrms':>9} {'brms':>9} {'z':>6} {'sd ratio':>9}")
    zs, ratios = [], []
    for p in shared:
        (m1, s1, e1), (m2, s2, e2) = ours_summary[p], theirs_summary[p]
        if s1 == 0 and s2 == 0:
            continue  # a constant (e.g. a fixed disc)
        z = (m1 - m2) / np.hypot(e1, e2)
        zs.append(abs(z))
        ratios.append(s1 / s2)
        print(f"{p:>28} {m1:>9.4f} {m2:>9.4f} {z:>6.2f} {s1 / s2:>9.3f}")
    print(f"largest |z|: {max(zs, default=0.0):.2f}")
    if not case.curve:
        return name, max(zs), f"{min(ratios):.3f}-{max(ratios):.3f}"
    # mu at each row: pybrms's (chains, draws, N) against brms's mu_curve
    ours = fit.posterior_linpred().reshape(2, draws, -1)
    curve = theirs.variables()["mu_curve"]
    z_rows, sd_rows = [], []
    for n in range(ours.shape[2]):
        a, b = ours[:, :, n], curve[:, :, n]
        mcse = np.hypot(*(np.asarray(az.mcse(v, method="mean")).item() for v in (a, b)))
        z_rows.append(abs(a.mean() - b.mean()) / mcse)
        sd_rows.append(a.std(ddof=1) / b.std(ddof=1))
    z_rows, sd_rows = np.array(z_rows), np.array(sd_rows)
    print(
        f"curve at {len(z_rows)} rows: largest |z| {z_rows.max():.2f}, "
        f"share |z| > 3 {np.mean(z_rows > 3):.3f}, sd ratio {sd_rows.min():.3f}-{sd_rows.max():.3f}"
    )
    return name, float(z_rows.max()), f"{sd_rows.min():.3f}-{sd_rows.max():.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--draws", type=int, default=1000)
    options = parser.parse_args()
    rows = [compare(name, CASES[name], options.draws) for name in options.cases]
    print(f"\n{'case':>24} {'largest |z|':>12} {'sd ratio':>14}")
    for name, z, ratio in rows:
        print(f"{name:>24} {z:>12.2f} {ratio:>14}")


if __name__ == "__main__":
    main()
