"""custom_family(): brms's beta_binomial2 example, from the spec to a fit.

The Stan code and priors are checked without a compiler; one fit (plain program) is
checked for recovery of the simulated truth, for the user's numpy log density
summing to Stan's likelihood term, and for the user's predictions; the threaded
program is checked to define the plain one's log density.
"""

from __future__ import annotations

import json
from typing import Any

import arviz as az
import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.errors import PybrmsError, SpecError
from pybrms.fit.conditional_effects import _conditions
from pybrms.fit.predict import log_lik, posterior_epred, posterior_predict
from pybrms.spec import build_spec
from pybrms.standata import make_standata

STAN_FUNS = """
  real beta_binomial2_lpmf(int y, real mu, real phi, int T) {
    return beta_binomial_lpmf(y | T, mu * phi, (1 - mu) * phi);
  }
  int beta_binomial2_rng(real mu, real phi, int T) {
    return beta_binomial_rng(T, mu * phi, (1 - mu) * phi);
  }
"""
STANVARS = bm.stanvar(scode=STAN_FUNS, block="functions")
FORMULA = "y | vint(size) ~ x"
TRUTH = {"b_Intercept": 0.3, "b_x": 0.5, "phi": 10.0}


def bb2_log_lik(y: np.ndarray, dpars: dict[str, np.ndarray], vars: dict[str, Any]) -> np.ndarray:
    mu, phi = dpars["mu"], dpars["phi"]
    return stats.betabinom.logpmf(y, vars["vint1"], mu * phi, (1 - mu) * phi)


def bb2_predict(
    dpars: dict[str, np.ndarray], vars: dict[str, Any], rng: np.random.Generator
) -> np.ndarray:
    mu, phi = np.broadcast_arrays(dpars["mu"], dpars["phi"])
    return rng.binomial(vars["vint1"], rng.beta(mu * phi, (1 - mu) * phi))


def bb2_epred(dpars: dict[str, np.ndarray], vars: dict[str, Any]) -> np.ndarray:
    return dpars["mu"] * vars["vint1"]


def beta_binomial2(**functions: Any) -> bm.spec.families.BoundFamily:
    return bm.custom_family(
        "beta_binomial2",
        dpars=["mu", "phi"],
        links=["logit", "log"],
        lb=[0, 0],
        ub=[1, None],
        type="int",
        vars=["vint1[n]"],
        **functions,
    )


FAMILY = beta_binomial2(
    log_lik=bb2_log_lik, posterior_predict=bb2_predict, posterior_epred=bb2_epred
)


def simulated(n: int = 300) -> pd.DataFrame:
    """brms's vignette example: mu = inv_logit(0.3 + 0.5 x), phi = 10, size 20."""
    rng = np.random.default_rng(20)
    x = rng.normal(size=n)
    mu = special.expit(TRUTH["b_Intercept"] + TRUTH["b_x"] * x)
    phi = TRUTH["phi"]
    size = np.full(n, 20)
    y = rng.binomial(size, rng.beta(mu * phi, (1 - mu) * phi))
    return pd.DataFrame({"y": y, "x": x, "size": size})


def spec() -> bm.spec.ModelSpec:
    return build_spec(FORMULA, simulated(), FAMILY, stanvars=STANVARS)


def stan_programs() -> list[str]:
    """The plain and the threaded program (compiled at the session's start)."""
    return [render(spec()), render(spec(), bm.threading(2))]


# ---------------------------------------------------------------------------
# Stan code, data and priors
# ---------------------------------------------------------------------------


def test_plain_program_calls_the_density_row_by_row():
    code = render(spec())
    assert STAN_FUNS.strip() in code.split("data {")[0]
    assert "  array[N] int vint1;\n" in code
    assert "real<lower=0> phi;" in code
    assert "vector[N] mu = inv_logit(Intercept + Xc * b);" in code
    assert "target += beta_binomial2_lpmf(Y[n] | mu[n], phi, vint1[n]);" in code


def test_threaded_program_slices_the_custom_data_like_the_response():
    code = render(spec(), bm.threading(2))
    assert "data array[] int vint1" in code.split("partial_log_lik_lpmf(")[1].split(")")[0]
    assert "ptarget += beta_binomial2_lpmf(Y[n] | mu[n], phi, vint1[nn]);" in code


def test_standata_holds_vint_columns_by_brms_name():
    df = simulated(5)
    sd = bm.standata("y | vint(size, y) ~ x", df, family=FAMILY, stanvars=STANVARS)
    assert sd["vint1"] == df["size"].tolist()
    assert sd["vint2"] == df["y"].tolist()


def test_write_stan_takes_the_stanvars(tmp_path):
    program, data = bm.write_stan(tmp_path, FORMULA, simulated(5), family=FAMILY, stanvars=STANVARS)
    assert "real beta_binomial2_lpmf(int y" in program.read_text()
    assert json.loads(data.read_text())["vint1"] == [20] * 5


def test_vreal_and_bounds_and_a_predicted_parameter():
    fam = bm.custom_family(
        "zi_normal",
        dpars=["mu", "sigma", "zi"],
        links=["identity", "log", "logit"],
        lb=[None, 0, 0],
        ub=[None, None, 1],
        vars=["vreal1"],
    )
    stanvars = bm.stanvar(
        "real zi_normal_lpdf(real y, real mu, real sigma, real zi, real w) { return 0; }"
    )
    df = simulated(8).assign(w=np.linspace(0.5, 1.5, 8), y=lambda d: d["y"] / 3)
    code = bm.stancode("y | vreal(w) ~ x", df, family=fam, stanvars=stanvars)
    assert "  array[N] real vreal1;\n" in code
    assert "real<lower=0> sigma;" in code and "real<lower=0, upper=1> zi;" in code
    assert "target += zi_normal_lpdf(Y[n] | mu[n], sigma, zi, vreal1[n]);" in code
    predicted = bm.stancode(bm.bf("y | vreal(w) ~ x", "zi ~ x"), df, family=fam, stanvars=stanvars)
    assert "vector[N] zi = inv_logit(Intercept_zi + Xc_zi * b_zi);" in predicted
    assert "zi_normal_lpdf(Y[n] | mu[n], sigma, zi[n], vreal1[n])" in predicted


def test_loop_false_calls_the_density_once():
    fam = bm.custom_family(
        "my_normal", dpars=["mu", "sigma"], links=["identity", "log"], lb=[None, 0], loop=False
    )
    stanvars = bm.stanvar("real my_normal_lpdf(vector y, vector mu, real s) { return 0; }")
    code = bm.stancode("y ~ x", simulated(8), family=fam, stanvars=stanvars)
    assert "target += my_normal_lpdf(Y | mu, sigma);" in code


def test_default_priors_follow_brms_def_dpar_prior():
    """A parameter named like a built-in one takes its defaults (phi), others are flat."""
    table = bm.get_prior(FORMULA, simulated(), family=FAMILY, stanvars=STANVARS)
    rows = dict(zip(table["class"], table["prior"], strict=False))
    assert rows["phi"] == "gamma(0.01, 0.01)"
    predicted = bm.get_prior(
        bm.bf(FORMULA, "phi ~ x"), simulated(), family=FAMILY, stanvars=STANVARS
    )
    phi = predicted[(predicted["class"] == "Intercept") & (predicted["dpar"] == "phi")]
    assert phi["prior"].tolist() == ["student_t(3, 0, 2.5)"]
    fam = bm.custom_family("g", dpars=["mu", "tau"], links=["identity", "log"], lb=[None, 0])
    stanvars = bm.stanvar("real g_lpdf(real y, real mu, real tau) { return 0; }")
    df = simulated(8)
    table = bm.get_prior("y ~ 1", df, family=fam, stanvars=stanvars)
    tau = table[table["class"] == "tau"]
    assert tau["prior"].tolist() == ["(flat)"] and tau["lb"].tolist() == ["0"]
    code = bm.stancode("y ~ 1", df, family=fam, stanvars=stanvars)
    assert "tau_prior" not in code and "  real<lower=0> tau;\n" in code


def test_conditional_effects_hold_vint_columns_at_an_integer():
    """As brms's int_vars: the median, rounded, not the mean (20.4 here)."""
    df = simulated(5).assign(size=[19, 20, 20, 21, 22])
    model = build_spec(FORMULA, df, FAMILY, stanvars=STANVARS)
    assert _conditions(model)["size"] == 20


# ---------------------------------------------------------------------------
# Bad inputs: refused before anything is compiled
# ---------------------------------------------------------------------------


def _custom(**changes: Any) -> Any:
    args: dict[str, Any] = {
        "name": "beta_binomial2",
        "dpars": ["mu", "phi"],
        "links": ["logit", "log"],
        "lb": [0, 0],
        "ub": [1, None],
        "type": "int",
        "vars": ["vint1[n]"],
    } | changes
    return lambda: bm.custom_family(**args)


def _brm(formula: str = FORMULA, data: pd.DataFrame | None = None, **kwargs: Any) -> Any:
    kwargs = {"family": FAMILY, "stanvars": STANVARS} | kwargs
    return lambda: bm.brm(formula, simulated(20) if data is None else data, **kwargs)


BAD_INPUTS = [
    ("unknown link", _custom(links=["logit", "logg"]), "'logg'"),
    ("links length", _custom(links=["logit", "log", "log"]), "links has 3 entries"),
    ("lb length", _custom(lb=[0]), "lb has 1 entries"),
    ("ub length", _custom(ub=[1, None, None]), "ub has 3 entries"),
    ("missing mu", _custom(dpars=["phi", "mu"]), "'mu'"),
    ("bad type", _custom(type="count"), "'count'"),
    ("bad bound", _custom(lb=[0, "zero"]), "'zero'"),
    ("bad name", _custom(name="beta binomial"), "'beta binomial'"),
    ("dpar ending with a number", _custom(dpars=["mu", "phi2"]), "'phi2'"),
    ("stanvar data", lambda: bm.stanvar(x=np.ones(3), name="w w"), "name='w w'"),
    ("unknown vars", _custom(vars=["trials[n]"]), "'trials[n]'"),
    (
        "no density",
        _brm(stanvars=bm.stanvar("real f(real x) { return x; }")),
        "beta_binomial2_lpmf",
    ),
    ("no stanvars", _brm(stanvars=None), "beta_binomial2_lpmf"),
    ("vars not given", _brm(formula="y ~ x"), "'vint1'"),
    ("vint not integer", _brm(data=simulated(20).assign(size=20.5)), "20.5"),
    ("response not integer", _brm(data=simulated(20).assign(y=1.5)), "1.5"),
    ("stanvar block", lambda: bm.stanvar("real a;", block="likelihood"), "block='likelihood'"),
    ("stanvars type", _brm(stanvars=STAN_FUNS), "stanvars"),
    ("in a mixture", lambda: bm.mixture(FAMILY, FAMILY), "'beta_binomial2'"),
    (
        "multivariate",
        _brm(formula="mvbind(y, size) | vint(size) ~ x", stanvars=None),
        "'beta_binomial2'",
    ),
]


@pytest.mark.parametrize(
    ("call", "culprit"), [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS]
)
def test_bad_input_is_refused_before_compiling(no_compile, call, culprit):
    with pytest.raises(SpecError) as info:
        call()
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)


# ---------------------------------------------------------------------------
# A fit
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fit() -> bm.BrmsFit:
    return bm.brm(
        FORMULA,
        simulated(),
        family=FAMILY,
        stanvars=STANVARS,
        chains=2,
        iter=1000,
        seed=1,
        show_progress=False,
    )


@pytest.mark.stan
def test_recovers_the_simulated_truth(fit: bm.BrmsFit):
    """|mean - truth| / sqrt(sd^2 + mcse^2) < 5 (phi on the log scale): the truth lies
    within the posterior, allowing for Monte Carlo error."""
    draws = fit.draws_frame()
    for name, truth in TRUTH.items():
        scale = np.log if name == "phi" else np.asarray
        values = scale(draws[name].to_numpy().reshape(2, -1))
        mcse = np.asarray(az.mcse(values, method="mean")).item()
        z = (values.mean() - scale(truth)) / np.hypot(values.std(ddof=1), mcse)
        assert abs(z) < 5, f"{name}: mean {values.mean():.3f}, truth {truth}, z = {z:.1f}"


@pytest.mark.stan
def test_user_log_lik_sums_to_stan_likelihood(fit: bm.BrmsFit):
    """The user's numpy density summed over rows equals the likelihood term of the
    compiled program (log_prob with prior_only = 0 minus with prior_only = 1)."""
    variables = fit._variables
    S = 20
    b = variables["b"].reshape(-1, 1)[:S]
    intercept = variables["Intercept"].reshape(-1)[:S]
    phi = variables["phi"].reshape(-1)[:S]
    points = np.column_stack([b, intercept, np.log(phi)])  # Stan's unconstrained order
    standata = make_standata(fit.spec)
    with_lik = fit.model.log_prob(standata, points, jacobian=False).lp
    prior_only = fit.model.log_prob({**standata, "prior_only": 1}, points, jacobian=False).lp
    got = fit.log_lik()[:S].sum(axis=1)
    np.testing.assert_allclose(got, with_lik - prior_only, rtol=1e-6, atol=1e-6)


@pytest.mark.stan
def test_user_predictions_and_new_data(fit: bm.BrmsFit):
    mu = special.expit(
        fit._variables["b_Intercept"].reshape(-1, 1)
        + fit._variables["b"].reshape(-1, 1) * simulated()["x"].to_numpy()
    )
    np.testing.assert_allclose(fit.posterior_epred(), 20 * mu, rtol=1e-10)
    predicted = fit.posterior_predict()
    assert predicted.shape == mu.shape and ((predicted >= 0) & (predicted <= 20)).all()
    new = pd.DataFrame({"x": [0.0, 1.0], "size": [5, 50], "y": [2, 30]})
    assert (
        fit.posterior_epred(newdata=new)[:, 1].mean()
        > 9 * fit.posterior_epred(newdata=new)[:, 0].mean()
    )
    assert fit.log_lik(newdata=new).shape == (len(mu), 2)
    assert "log_likelihood" in fit.to_inference_data().groups()


@pytest.mark.stan
@pytest.mark.parametrize(
    ("method", "argument"),
    [
        (log_lik, "log_lik"),
        (posterior_predict, "posterior_predict"),
        (posterior_epred, "posterior_epred"),
    ],
)
def test_a_method_without_its_function_names_the_missing_argument(fit, method, argument):
    bare = build_spec(FORMULA, simulated(), beta_binomial2(), stanvars=STANVARS)
    with pytest.raises(SpecError, match=rf"custom_family\(\.\.\., {argument}=\.\.\.\)"):
        method(bare, fit._variables)


@pytest.mark.stan
def test_plain_and_threaded_log_density_agree():
    model = spec()
    plain = compile_model(render(model), show_progress=False)
    threaded = compile_model(render(model, bm.threading(2)), show_progress=False)
    data = make_standata(model)
    points = np.random.default_rng(7).normal(scale=0.5, size=(3, plain.num_unconstrained(data)))
    expected = plain.log_prob(data, points)
    assert np.isfinite(expected.lp).all()
    for setting in (bm.threading(2, grainsize=7), bm.threading(2, grainsize=1000, static=True)):
        got = threaded.log_prob(make_standata(model, setting), points)
        np.testing.assert_allclose(got.lp, expected.lp, rtol=1e-8)
        np.testing.assert_allclose(got.grad, expected.grad, rtol=1e-8, atol=1e-8)


# A prior on a parameter brms does not know, by its class (estimated as one value) or
# through dpar= (its formula's intercept), is what the program samples with
# sample_prior="only": gamma(2, 0.1) (mean 20, sd sqrt(200)) and normal(1, 0.5).
PRIOR_ONLY = {"tau": (20.0, np.sqrt(200.0)), "Intercept_omega": (1.0, 0.5)}


@pytest.mark.stan
def test_priors_on_parameters_brms_does_not_name_are_sampled():
    fam = bm.custom_family(
        "wide_normal",
        dpars=["mu", "tau", "omega"],
        links=["identity", "log", "log"],
        lb=[None, 0, 0],
    )
    stanvars = bm.stanvar(
        "real wide_normal_lpdf(real y, real mu, real tau, real omega) {"
        " return normal_lpdf(y | mu, tau + omega); }"
    )
    priors = bm.prior("gamma(2, 0.1)", class_="tau") + bm.prior(
        "normal(1, 0.5)", class_="Intercept", dpar="omega"
    )
    fit = bm.brm(
        bm.bf("y ~ 1", omega="~ 1"),
        simulated(20).assign(y=lambda d: d["x"]),
        family=fam,
        prior=priors,
        stanvars=stanvars,
        sample_prior="only",
        chains=2,
        iter=2000,
        seed=3,
        show_progress=False,
    )
    for name, (mean, sd) in PRIOR_ONLY.items():
        values = fit._variables[name].reshape(2, -1)
        mcse_mean = np.asarray(az.mcse(values, method="mean")).item()
        mcse_sd = np.asarray(az.mcse(values, method="sd")).item()
        assert abs(values.mean() - mean) < 5 * mcse_mean, (name, values.mean())
        assert abs(values.std(ddof=1) - sd) < 5 * mcse_sd, (name, values.std(ddof=1))
