"""How fast is pybrms's generated Stan program? Side by side with brms's and a hand-written one.

Three programs of the threading vignette's model (see ``vignette.py``) that differ
only in how the model block writes the likelihood:

* ``brms``: as brms 2.18 generates it: ``mu`` starts as ``Intercept``, a loop over
  rows adds ``r_1_1[J_1[n]] * Z_1_1[n]``, then ``poisson_log_glm_lpmf(Y | Xc, mu, b)``;
* ``hand``: vectorized by hand, ``poisson_log_glm_lpmf(Y | Xc, Intercept + r_1_1[J_1], b)``;
* ``pybrms``: the program pybrms generates.

All run on the embedded backend from one adapted state with adaptation off;
repetitions are interleaved and ratios are taken within each repetition, then the
median is reported.

    python benchmarks/codegen.py [--draws 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics

from vignette import fixed_state, load_report, timed_run, vignette_spec

from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.standata import make_standata

LIKELIHOOD = {
    "brms": """\
    // initialize linear predictor term
    vector[N] mu = rep_vector(0.0, N);
    mu += Intercept;
    for (n in 1:N) {
      // add more terms to the linear predictor
      mu[n] += r_1_1[J_1[n]] * Z_1_1[n];
    }
    target += poisson_log_glm_lpmf(Y | Xc, mu, b);
""",
    "hand": """\
    target += poisson_log_glm_lpmf(Y | Xc, Intercept + r_1_1[J_1], b);
""",
}


def with_likelihood(program: str, likelihood: str) -> str:
    """``program`` with the body of its ``if (!prior_only) { ... }`` replaced."""
    head = "  if (!prior_only) {\n"
    start = program.index(head) + len(head)
    end = program.index("  }\n  // priors including constants", start)
    return program[:start] + likelihood + program[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()

    spec = vignette_spec()
    ours = render(spec)
    programs = {name: with_likelihood(ours, code) for name, code in LIKELIHOOD.items()}
    programs["pybrms"] = ours
    models = {
        name: compile_model(code, backend="embedded", show_progress=False)
        for name, code in programs.items()
    }
    data = make_standata(spec)
    fixed = fixed_state(models["pybrms"], data, options.draws)

    ms: dict[str, list[float]] = {name: [] for name in programs}
    shares = []
    for _ in range(options.repeats):
        for name, model in models.items():
            timing = timed_run(model, data, **fixed)
            ms[name].append(timing.ms_per_leapfrog)
            shares.append(timing.others)

    print(
        f"{spec!r}; {options.draws} draws, fixed step size {fixed['step_size']:.3g}, "
        f"adaptation off; median of {options.repeats} interleaved runs"
    )
    print(f"{'program':>8} {'ms/leapfrog':>12} {'vs brms':>8} {'vs hand':>8}")
    for name, values in ms.items():
        vs = {
            ref: statistics.median(a / b for a, b in zip(values, ms[ref], strict=True))
            for ref in ("brms", "hand")
        }
        print(f"{name:>8} {statistics.median(values):>12.4f} {vs['brms']:>8.3f} {vs['hand']:>8.3f}")
    print(load_report(shares))


if __name__ == "__main__":
    main()
