"""Tests of pybrms.priors: strict prior strings, prior rows and the Priors table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import pybrms as bm
from pybrms.backends.embedded import programs as embedded_programs
from pybrms.errors import SpecError
from pybrms.priors import CLASSES, DISTRIBUTIONS, Dist, Prior, Priors, parse_prior, prior
from pybrms.spec.families import DPAR_NAMES

PARSED = {
    "normal(0, 1)": Dist("normal", (0, 1)),
    "  normal( 0 ,1 ) ": Dist("normal", (0, 1)),
    "student_t(3, 0, 2.5)": Dist("student_t", (3, 0, 2.5)),
    "normal(-1.5, 1e-3)": Dist("normal", (-1.5, 0.001)),
    "cauchy(+0, 2.5E+2)": Dist("cauchy", (0, 250)),
    "normal(.5, 1.)": Dist("normal", (0.5, 1)),
    "exponential(1)": Dist("exponential", (1,)),
    "gamma(0.01, 0.01)": Dist("gamma", (0.01, 0.01)),
    "lkj(2)": Dist("lkj", (2,)),
    "constant(1)": Dist("constant", (1,)),
    "std_normal()": Dist("std_normal", ()),
    "": None,
    "   ": None,
}


@pytest.mark.parametrize("text, expected", PARSED.items())
def test_parse_prior(text: str, expected: Dist | None) -> None:
    assert parse_prior(text) == expected


EXPECTED = (
    "expected a distribution call with numeric arguments, such as 'normal(0, 1)', "
    "'student_t(3, 0, 2.5)' or 'constant(1)', or '' for a flat prior"
)
ALLOWED = ", ".join(DISTRIBUTIONS)
REJECTED = {
    "normal(0, 1); target += 5": f"invalid prior 'normal(0, 1); target += 5': {EXPECTED}",
    "normal(0, 1) + foo(2)": (
        "invalid prior 'normal(0, 1) + foo(2)': argument '1) + foo(2' is not a number; " + EXPECTED
    ),
    "normal(mu, 1)": f"invalid prior 'normal(mu, 1)': argument 'mu' is not a number; {EXPECTED}",
    "normal(0, sqrt(2))": (
        f"invalid prior 'normal(0, sqrt(2))': argument 'sqrt(2)' is not a number; {EXPECTED}"
    ),
    "normal(0, 1e400)": (
        "invalid prior 'normal(0, 1e400)': the arguments of normal() must be finite numbers, "
        "got (0.0, inf)"
    ),
    "normal(0, )": f"invalid prior 'normal(0, )': argument '' is not a number; {EXPECTED}",
    "foo(1)": f"invalid prior 'foo(1)': unknown prior distribution 'foo'; allowed: {ALLOWED}",
    "normal(0)": "invalid prior 'normal(0)': normal() takes 2 arguments, got 1",
    "exponential(1, 2)": "invalid prior 'exponential(1, 2)': exponential() takes 1 argument, got 2",
    "normal": f"invalid prior 'normal': {EXPECTED}",
    "0": f"invalid prior '0': {EXPECTED}",
    "normal(0, 1)\n}": f"invalid prior 'normal(0, 1)\\n}}': {EXPECTED}",
    "/* */ normal(0, 1)": f"invalid prior '/* */ normal(0, 1)': {EXPECTED}",
}


@pytest.mark.parametrize("text, message", REJECTED.items())
def test_parse_prior_rejects_everything_else(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        prior(text)
    assert str(info.value) == message


def test_parse_prior_rejects_non_strings() -> None:
    with pytest.raises(SpecError, match="a prior must be a string, got float"):
        prior(1.0)  # type: ignore[arg-type]


DIST_ERRORS = {
    ("normal", ("0", 1)): "the arguments of normal() must be finite numbers, got ('0', 1)",
    ("normal", (True, 1)): "the arguments of normal() must be finite numbers, got (True, 1)",
    ("normal", (0, math.nan)): "the arguments of normal() must be finite numbers, got (0, nan)",
    ("normal; x", (0, 1)): f"unknown prior distribution 'normal; x'; allowed: {ALLOWED}",
}


@pytest.mark.parametrize("args, message", DIST_ERRORS.items())
def test_dist_validates_on_construction(args: tuple[str, tuple], message: str) -> None:
    with pytest.raises(SpecError) as info:
        Dist(*args)
    assert str(info.value) == message


def test_dist_renders_and_accepts_numpy_numbers() -> None:
    dist = Dist("student_t", (np.int64(3), np.float64(0.0), 2.5))
    assert dist.args == (3.0, 0.0, 2.5)
    assert str(dist) == "student_t(3, 0, 2.5)"
    assert str(Dist("normal", (-0.5, 1e-8))) == "normal(-0.5, 1e-08)"
    assert Dist("constant", (1,)).is_constant and not dist.is_constant


def test_prior_row() -> None:
    (row,) = prior("normal(0, 5)", class_="b", coef="zAge", dpar="sigma")
    assert row == Prior("normal(0, 5)", "b", "zAge", "", "sigma")
    assert row.dist == Dist("normal", (0, 5))
    assert row.key == ("b", "zAge", "", "sigma")
    assert row.source == "user"
    (flat,) = prior("", class_="Intercept")
    assert flat.dist is None


@pytest.mark.parametrize("class_", (*CLASSES, *DPAR_NAMES))
def test_every_class_accepts_a_prior(class_: str) -> None:
    lkj = {"cor": "lkj(2)", "L": "lkj(2)", "rescor": "lkj(2)", "simo": "dirichlet(2)"}
    text = lkj.get(class_, "normal(0, 1)")
    assert next(iter(prior(text, class_=class_))).class_ == class_


CLASS_ERRORS = {
    ("normal(0, 1)", "Bee"): (
        "unknown prior class 'Bee'; valid classes: b, Intercept, sd, cor, L, df, simo, sds, sdgp, "
        "lscale, ar, ma, rescor, meanme, sdme, sigma, nu, shape, phi, disc, zi, hu, alpha, ndt, "
        "beta, kappa, zoi, coi, xi, theta, or the name of a custom family's parameter"
    ),
    ("normal(0, 1)", "cor"): (
        "prior 'normal(0, 1)' on class 'cor': lkj priors are for the classes cor, L and "
        "rescor, and those classes take only lkj priors, e.g. prior('lkj(2)', class_='cor')"
    ),
    ("constant(0)", "cor"): (
        "prior 'constant(0)' on class 'cor': correlations cannot be fixed with constant(); "
        "constant() fixes b, Intercept, sd and family parameters"
    ),
    ("lkj(2)", "b"): (
        "prior 'lkj(2)' on class 'b': lkj priors are for the classes cor, L and rescor, and "
        "those classes take only lkj priors, e.g. prior('lkj(2)', class_='cor')"
    ),
    ("normal(0, 1)", "simo"): (
        "prior 'normal(0, 1)' on class 'simo': the simplexes of monotonic effects (class simo) "
        "and of a mixture's proportions (class theta) take only dirichlet priors, and "
        "dirichlet priors are only for them, e.g. prior('dirichlet(2)', class_='simo', "
        "coef='mox1')"
    ),
    ("normal(0, 1)", "theta"): (
        "prior 'normal(0, 1)' on class 'theta': the simplexes of monotonic effects (class simo) "
        "and of a mixture's proportions (class theta) take only dirichlet priors, and "
        "dirichlet priors are only for them, e.g. prior('dirichlet(2)', class_='simo', "
        "coef='mox1')"
    ),
    ("dirichlet(1)", "b"): (
        "prior 'dirichlet(1)' on class 'b': the simplexes of monotonic effects (class simo) "
        "and of a mixture's proportions (class theta) take only dirichlet priors, and "
        "dirichlet priors are only for them, e.g. prior('dirichlet(2)', class_='simo', "
        "coef='mox1')"
    ),
}


@pytest.mark.parametrize("args, message", CLASS_ERRORS.items())
def test_class_errors(args: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as info:
        prior(*args)
    assert str(info.value) == message


def test_prior_string_is_checked_before_the_class() -> None:
    with pytest.raises(SpecError, match="invalid prior 'foo'"):
        prior("foo", class_="bee")


BOUNDS = {
    (0.0, None): (0.0, None),
    (None, 1.0): (None, 1.0),
    (-1.0, 1.0): (-1.0, 1.0),
}


@pytest.mark.parametrize("bounds, expected", BOUNDS.items())
def test_bounds(bounds: tuple[float | None, float | None], expected: tuple) -> None:
    (row,) = prior("normal(0, 1)", lb=bounds[0], ub=bounds[1])
    assert (row.lb, row.ub) == expected


BOUND_ERRORS = {
    "class": (
        {"class_": "sd", "lb": 0.0},
        "bounds (lb, ub) can only be set on the whole class 'b' (coef=''), as in brms",
    ),
    "coef": (
        {"coef": "x", "ub": 1.0},
        "bounds (lb, ub) can only be set on the whole class 'b' (coef=''), as in brms",
    ),
    "order": (
        {"lb": 1.0, "ub": 0.0},
        "the lower bound lb=1.0 must be below the upper bound ub=0.0",
    ),
}


@pytest.mark.parametrize("case", BOUND_ERRORS.values(), ids=BOUND_ERRORS.keys())
def test_bound_errors(case: tuple[dict, str]) -> None:
    kwargs, message = case
    with pytest.raises(SpecError) as info:
        prior("normal(0, 1)", **kwargs)
    assert str(info.value) == message


def test_priors_combine_in_order() -> None:
    p = (
        prior("normal(0, 1)")
        + prior("student_t(3, 0, 2.5)", class_="sd", group="patient")
        + prior("lkj(2)", class_="cor")
    )
    assert isinstance(p, Priors)
    assert [row.class_ for row in p] == ["b", "sd", "cor"]
    assert len(p) == 3
    assert (Priors() + p) == p
    with pytest.raises(TypeError):
        p + "normal(0, 1)"  # type: ignore[operator]


def test_priors_reject_duplicated_keys() -> None:
    with pytest.raises(SpecError) as info:
        prior("normal(0, 1)", coef="x") + prior("normal(0, 2)", coef="x")
    assert str(info.value) == "duplicated prior for class_='b', coef='x', group='', dpar=''"


def test_to_frame_has_brms_columns() -> None:
    frame = (
        prior("normal(0, 1)", lb=0) + prior("exponential(1)", class_="sd", group="g")
    ).to_frame()
    expected = pd.DataFrame(
        {
            "prior": ["normal(0, 1)", "exponential(1)"],
            "class": ["b", "sd"],
            "coef": ["", ""],
            "group": ["", "g"],
            "resp": ["", ""],
            "dpar": ["", ""],
            "nlpar": ["", ""],
            "lb": [0, ""],
            "ub": ["", ""],
            "source": ["user", "user"],
        }
    )
    pd.testing.assert_frame_equal(frame, expected)
    assert list(Priors().to_frame().columns) == list(expected.columns)


SUPPORT_ERRORS = {
    "normal(0, -1)": "argument sigma of normal() must be positive, got -1",
    "normal(0, 0)": "argument sigma of normal() must be positive, got 0",
    "student_t(0, 0, 1)": "argument nu of student_t() must be positive, got 0",
    "student_t(3, 0, -2.5)": "argument sigma of student_t() must be positive, got -2.5",
    "cauchy(0, -1)": "argument sigma of cauchy() must be positive, got -1",
    "exponential(0)": "argument beta of exponential() must be positive, got 0",
    "gamma(-1, 1)": "argument alpha of gamma() must be positive, got -1",
    "gamma(2, 0)": "argument beta of gamma() must be positive, got 0",
    "inv_gamma(1, -1)": "argument beta of inv_gamma() must be positive, got -1",
    "lognormal(0, -1)": "argument sigma of lognormal() must be positive, got -1",
    "beta(0, 1)": "argument alpha of beta() must be positive, got 0",
    "beta_proportion(1.5, 2)": "argument mu of beta_proportion() must be between 0 and 1, got 1.5",
    "lkj(0)": "argument eta of lkj() must be positive, got 0",
    "weibull(1, -2)": "argument sigma of weibull() must be positive, got -2",
    "skew_double_exponential(0, 1, 1)": (
        "argument tau of skew_double_exponential() must be between 0 and 1, got 1"
    ),
    "uniform(1, 0)": ("the lower limit alpha=1 of uniform() must be below its upper limit beta=0"),
    "uniform(1, 1)": ("the lower limit alpha=1 of uniform() must be below its upper limit beta=1"),
}


@pytest.mark.parametrize("text, message", SUPPORT_ERRORS.items())
def test_prior_arguments_must_lie_in_their_support(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        prior(text, class_="cor" if text.startswith("lkj") else "b")
    assert str(info.value) == f"invalid prior {text!r}: {message}"


@pytest.mark.parametrize("bound", ["lb", "ub"])
@pytest.mark.parametrize("value", ["0", math.inf, True])
def test_bounds_must_be_finite_numbers(bound: str, value: object) -> None:
    with pytest.raises(SpecError) as info:
        prior("normal(0, 1)", **{bound: value})
    assert str(info.value) == f"the bound {bound} must be a finite number or None, got {value!r}"


@pytest.mark.stan
def test_bounded_priors_are_normalized_and_bounds_hold() -> None:
    """lprior, read from the draws, equals the truncated densities computed by scipy.

    Covers the three truncations brms writes: both bounds on b (log_diff_exp of
    lcdfs), an upper bound on b of sigma (lcdf) and nu's lower bound 1 (lccdf).
    The comparison is exact up to the CSV's printed precision: no Monte Carlo error.
    """
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "w": rng.normal(size=n)})
    # b_z's truth lies below the lower bound 0, so the posterior presses against it
    df["y"] = 0.5 * df["x"] - 0.3 * df["z"] + rng.standard_t(5, size=n)
    priors = (
        bm.prior("normal(0.2, 0.5)", class_="b", lb=0, ub=1)
        + bm.prior("normal(0, 1)", class_="b", dpar="sigma", ub=0.5)
        + bm.prior("normal(0, 5)", class_="Intercept")
        + bm.prior("normal(0, 1)", class_="Intercept", dpar="sigma")
    )
    fit = bm.brm(
        bm.bf("y ~ x + z", sigma="~ w"),
        data=df,
        family="student",
        prior=priors,
        chains=2,
        iter=400,
        seed=1,
        show_progress=False,
    )
    draws = fit.draws_frame()
    b = draws[["b_x", "b_z"]].to_numpy()
    b_sigma = draws["b_sigma_w"].to_numpy()
    assert ((b >= 0) & (b <= 1)).all() and (b_sigma <= 0.5).all()
    normal_b = stats.norm(0.2, 0.5)
    nu = stats.gamma(2, scale=1 / 0.1)
    expected = (
        normal_b.logpdf(b).sum(axis=1)
        - 2 * np.log(normal_b.cdf(1) - normal_b.cdf(0))
        + stats.norm.logpdf(b_sigma)
        - stats.norm.logcdf(0.5)
        + stats.norm.logpdf(draws["Intercept"], 0, 5)
        + stats.norm.logpdf(draws["Intercept_sigma"])
        + nu.logpdf(draws["nu"])
        - nu.logsf(1)
    )
    np.testing.assert_allclose(fit.draws.column("lprior").ravel(), expected, rtol=1e-5, atol=1e-4)


# Compile once per model structure: prior arguments and bounds are data, so data
# sets with other response medians and scales, and priors that differ only in a
# number, render the same program. The second data set is the first shifted,
# stretched and with another x, so every data-dependent default prior moves.
STRUCTURE_FORMULA = "y ~ x + (1 | g)"


def _structure_data(shift: float, scale: float) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 24
    g = np.repeat(np.arange(4), n // 4)
    x = rng.normal(size=n)
    y = 1.0 + 0.5 * x + rng.normal(0, 0.5, 4)[g] + rng.normal(0, 1, n)
    return pd.DataFrame({"y": shift + scale * y, "x": x * scale, "g": g})


STRUCTURE_CASES = (
    (_structure_data(0.0, 1.0), bm.prior("normal(0, 1)", class_="b", lb=-5)),
    (_structure_data(40.0, 7.0), bm.prior("normal(0.5, 3)", class_="b", lb=-2)),
)


def test_new_data_and_prior_values_render_the_same_program() -> None:
    (df1, prior1), (df2, prior2) = STRUCTURE_CASES
    codes = [bm.stancode(STRUCTURE_FORMULA, df, prior=p) for df, p in STRUCTURE_CASES]
    assert codes[0] == codes[1]
    first, second = (bm.standata(STRUCTURE_FORMULA, df, prior=p) for df, p in STRUCTURE_CASES)
    moved = ["Intercept_prior_mu", "Intercept_prior_sigma", "sigma_prior_sigma", "b_prior_mu"]
    moved += ["b_prior_sigma", "lb_b"]
    assert all(first[name] != second[name] for name in moved)


def _brms_prior(table: pd.DataFrame, cls: str) -> Dist:
    """The prior get_prior() shows for the whole class ``cls``."""
    whole = (table["class"] == cls) & (table["coef"] == "") & (table["group"] == "")
    (text,) = table.loc[whole, "prior"]
    return parse_prior(text)


def _scipy(dist: Dist) -> stats.rv_continuous:
    if dist.name == "student_t":
        nu, mu, sigma = dist.args
        return stats.t(nu, mu, sigma)
    assert dist.name == "normal"
    return stats.norm(*dist.args)


@pytest.mark.stan
@pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")  # short runs, on purpose
def test_new_data_reuse_the_compiled_program_and_keep_the_log_density(monkeypatch) -> None:
    """brm() on the second data set compiles nothing, and the compiled program's log
    density there equals brms's priors (as get_prior() shows them) plus the likelihood,
    computed by scipy at a few parameter points: exact, no Monte Carlo error."""
    (df1, prior1), (df2, prior2) = STRUCTURE_CASES
    kwargs = {"chains": 1, "iter": 200, "seed": 1, "show_progress": False}
    fit1 = bm.brm(STRUCTURE_FORMULA, df1, prior=prior1, **kwargs)

    def refuse(*args: object, **kw: object) -> None:
        pytest.fail("the second data set compiled a new program")

    monkeypatch.setattr(embedded_programs, "Pool", refuse)
    fit2 = bm.brm(STRUCTURE_FORMULA, df2, prior=prior2, **kwargs)
    assert fit2.stan_code == fit1.stan_code
    model = fit2.program.model()
    assert model.from_cache

    table = bm.get_prior(STRUCTURE_FORMULA, df2)
    intercept, sd, sigma = (_brms_prior(table, c) for c in ("Intercept", "sd", "sigma"))
    # brms's defaults: location round(median(y), 1), scale max(2.5, round(mad(y), 1))
    y = df2["y"].to_numpy()
    assert intercept.args == (
        3.0,
        round(np.median(y), 1),
        round(stats.median_abs_deviation(y, scale="normal"), 1),
    )
    b_prior, lb = stats.norm(0.5, 3), -2.0

    rng = np.random.default_rng(11)
    J = df2["g"].to_numpy()
    x_c = df2["x"].to_numpy() - df2["x"].mean()
    points = rng.normal(size=(4, 8))  # b, Intercept, sd_1, z_1[1:4], sigma (unconstrained)
    points[:, 1] += intercept.args[1]
    lp = model.log_prob(fit2.standata, points).lp
    expected = []
    for u in points:
        b, icpt, sd_1, z, sig = lb + np.exp(u[0]), u[1], np.exp(u[2]), u[3:7], np.exp(u[7])
        prior_lp = (
            b_prior.logpdf(b)
            - b_prior.logsf(lb)
            + _scipy(intercept).logpdf(icpt)
            + _scipy(sd).logpdf(sd_1)
            - np.log(0.5)
            + _scipy(sigma).logpdf(sig)
            - np.log(0.5)
            + stats.norm.logpdf(z).sum()
        )
        mu = icpt + x_c * b + sd_1 * z[J]
        likelihood = stats.norm.logpdf(y, mu, sig).sum()
        jacobian = u[0] + u[2] + u[7]
        expected.append(prior_lp + likelihood + jacobian)
    np.testing.assert_allclose(lp, expected, rtol=1e-8)
    # the summary shows parameters only, never the prior data
    summary = fit2.summary()
    assert list(summary.population_level.index) == ["Intercept", "x"]
    assert "_prior_" not in str(summary) and "lb_b" not in str(summary)
