"""Noise-free predictors me(): brms's data, names, priors and Stan code, new rows, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.codegen import render
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.fit.predict import linear_predictors
from pybrms.formula import bf, parse
from pybrms.priors import prior
from pybrms.spec import build_spec
from pybrms.standata import make_standata


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    n = 30
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "sdx": rng.uniform(0.1, 0.5, size=n),
            "k": np.tile([2, 3, 4], n // 3),
        }
    )


def test_parse_keeps_value_and_noise():
    terms = parse("y ~ z + me(x, sdx)")
    assert terms.measurement_error == (("x", "sdx"),)
    assert terms.fixed == "1 + z"
    assert {"x", "sdx"} <= terms.variables


def test_standata_is_brms(data):
    sd = make_standata(build_spec("y ~ z + me(x, sdx)", data))
    assert (sd["Ksp"], sd["Mme_1"]) == (1, 1)
    np.testing.assert_array_equal(sd["Xn_1"], data["x"])
    np.testing.assert_array_equal(sd["noise_1"], data["sdx"])


def test_names_and_default_priors_are_brms(data):
    spec = build_spec("y ~ z + me(x, sdx)", data)
    names = [n.name for n in spec.names]
    assert names == ["b_Intercept", "b_z", "bsp_mexsdx", "sigma", "Intercept"] + [
        "meanme_mexsdx",
        "sdme_mexsdx",
    ]
    # latent values are not output names (brms's save_pars(latent = FALSE))
    assert not any(n.startswith(("Xme", "zme")) for n in names)
    table = spec.priors.to_frame()
    rows = [tuple(r) for r in table[["prior", "class", "coef", "lb"]].to_numpy()]
    assert [r for r in rows if r[1] in ("meanme", "sdme")] == [
        ("(flat)", "meanme", "", ""),
        ("(flat)", "meanme", "mexsdx", ""),
        ("(flat)", "sdme", "", "0"),
        ("(flat)", "sdme", "mexsdx", "0"),
    ]
    assert ("(flat)", "b", "mexsdx", "") in rows


def test_user_priors_reach_the_program(data):
    user = prior("normal(0, 1)", class_="meanme") + prior("exponential(1)", class_="sdme")
    code = render(build_spec("y ~ me(x, sdx)", data, prior=user))
    assert "lprior += normal_lpdf(meanme_1 | meanme_1_prior_mu, meanme_1_prior_sigma);" in code
    assert "lprior += exponential_lpdf(sdme_1 | sdme_1_prior_beta);" in code


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_is_brms(data, threads):
    code = render(build_spec("y ~ z + me(x, sdx)", data), threads)
    n = "nn" if threads else "n"
    assert "vector<lower=0>[N] noise_1;  // measurement noise" in code
    assert "vector<lower=0>[Mme_1] sdme_1;  // latent SDs" in code
    assert "vector[N] Xme_1 = meanme_1[1] + sdme_1[1] * zme_1;  // actual latent values" in code
    assert f"mu[n] += (bsp[1]) * Xme_1[{n}];" in code
    assert "target += normal_lpdf(Xn_1 | Xme_1, noise_1);" in code
    assert "target += std_normal_lpdf(zme_1);" in code


def test_fitted_rows_use_the_latent_values_and_new_rows_the_observed_ones(data):
    spec = build_spec("y ~ 0 + me(x, sdx)", data)
    latent = np.arange(30.0).reshape(1, 1, 30)
    variables = {"bsp": np.full((1, 1, 1), 2.0), "Xme_1": latent}
    np.testing.assert_allclose(linear_predictors(spec, variables)["mu"], 2 * latent[0])
    # new rows: a draw of normal(x, sdx); without noise, the observed value itself
    new = pd.DataFrame({"x": [1.5, -1.0], "sdx": [0.0, 0.0]})
    np.testing.assert_allclose(linear_predictors(spec, variables, new)["mu"], [[3.0, -2.0]])


BAD_FORMULAS = {
    "one argument": ("y ~ me(x)", FormulaSyntaxError, "me() takes the noisy values"),
    "gr": ("y ~ me(x, sdx, gr = k)", FormulaSyntaxError, "gr = is not supported yet"),
    "interaction": ("y ~ z:me(x, sdx)", FormulaSyntaxError, "me() is added to the main formula"),
    "group": ("y ~ (me(x, sdx) | k)", FormulaSyntaxError, "me() is added to the main formula"),
    "twice": ("y ~ me(x, sdx) + me(x, sdx)", FormulaSyntaxError, "me(x, sdx) appears twice"),
    "two terms": ("y ~ me(x, sdx) + me(z, sdx)", SpecError, "Several me() terms"),
    "with mo": ("y ~ me(x, sdx) + mo(k)", SpecError, "me() next to mo() (me(x, sdx))"),
    "in sigma": (bf("y ~ x", sigma="~ me(z, sdx)"), SpecError, "formula of 'sigma'"),
    "negative noise": ("y ~ me(x, neg)", SpecError, "'neg' of me(x, neg) must be non-negative"),
    "infinite value": ("y ~ me(inf, sdx)", SpecError, "'inf' of me(inf, sdx) must be finite"),
}


@pytest.mark.parametrize(("formula", "error", "message"), BAD_FORMULAS.values(), ids=BAD_FORMULAS)
def test_bad_noise_free_terms_are_refused(formula, error, message, data, no_compile):
    frame = data.assign(neg=-data["sdx"], inf=np.inf)
    with pytest.raises(error) as info:
        build_spec(formula, frame)
    assert isinstance(info.value, PybrmsError)
    assert message in str(info.value)


def test_bad_new_rows_are_refused(data):
    spec = build_spec("y ~ me(x, sdx)", data)
    variables = {"b_Intercept": np.zeros((1, 1)), "bsp": np.zeros((1, 1, 1))}
    with pytest.raises(SpecError) as info:
        linear_predictors(spec, variables, pd.DataFrame({"x": [1.0]}))
    assert isinstance(info.value, PybrmsError)
    assert "'sdx'" in str(info.value)
