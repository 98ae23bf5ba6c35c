"""Stan data: names, shapes and values, as brms's standata()."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from pybrms import threading
from pybrms.formula import bf
from pybrms.spec import build_spec
from pybrms.standata import make_standata, standata


@pytest.fixture(scope="module")
def epilepsy() -> pd.DataFrame:
    df = pd.read_csv(files("pybrms") / "datasets" / "epilepsy.csv")
    df["Trt"] = df["Trt"].astype("category")
    return df


def arrays(sd: dict) -> dict[str, np.ndarray]:
    """The JSON values of :func:`standata` as numpy arrays."""
    return {name: np.asarray(value) for name, value in sd.items()}


def test_epilepsy(epilepsy):
    sd = arrays(standata("count ~ zAge + zBase * Trt + (1|patient)", epilepsy, "poisson"))
    priors = ["Intercept_prior_nu", "Intercept_prior_mu", "Intercept_prior_sigma"]
    priors += ["sd_1_prior_nu", "sd_1_prior_mu", "sd_1_prior_sigma"]
    assert sorted(sd) == sorted(
        ["N", "Y", "K", "X", "Kc", "N_1", "M_1", "J_1", "Z_1_1", *priors, "prior_only"]
    )
    # brms's default priors student_t(3, 1.4, 2.5) on Intercept and student_t(3, 0, 2.5) on sd
    assert [sd[name] for name in priors] == [3.0, 1.4, 2.5, 3.0, 0.0, 2.5]
    assert (sd["N"], sd["K"], sd["Kc"], sd["N_1"], sd["M_1"]) == (236, 5, 4, 59, 1)
    assert sd["X"].shape == (236, 5) and (sd["X"][:, 0] == 1).all()
    np.testing.assert_array_equal(sd["X"][:, 4], epilepsy["zBase"] * (epilepsy["Trt"] == 1))
    np.testing.assert_array_equal(sd["Y"], epilepsy["count"])
    assert sd["Y"].dtype.kind == "i" and sd["J_1"].dtype.kind == "i"
    np.testing.assert_array_equal(sd["J_1"], epilepsy["patient"])  # patients are 1..59
    assert (sd["Z_1_1"] == 1).all() and sd["prior_only"] == 0


@pytest.mark.parametrize(
    ("setting", "grainsize"),
    [(None, None), (threading(1), 118), (threading(2), 100), (threading(4, grainsize=7), 7)],
)
def test_grainsize_is_data(epilepsy, setting, grainsize):
    spec = build_spec("count ~ zAge", epilepsy, "poisson")
    sd = make_standata(spec, setting)
    assert sd.get("grainsize") == grainsize


X = [0.1, 0.5, 0.9, 1.3, 1.7, 2.0]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "y": [1, 0, 3, 2, 5, 1],
            "n": [5, 5, 6, 6, 7, 7],
            "w": [1.0, 2.0, 1.0, 0.5, 1.0, 1.0],
            "x": X,
            "g": list("aabbcc"),
            "h": list("uvuvuv"),
            "t": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
        }
    )


@pytest.mark.parametrize(
    ("formula", "fam", "expected"),
    [
        ("y | trials(n) ~ x", "binomial", {"trials": [5, 5, 6, 6, 7, 7]}),
        ("y | weights(w) ~ x", "poisson", {"weights": [1.0, 2.0, 1.0, 0.5, 1.0, 1.0]}),
        (
            "y | weights(w, scale = TRUE) ~ x",
            "poisson",
            {"weights": np.array([1.0, 2.0, 1.0, 0.5, 1.0, 1.0]) * 6 / 6.5},
        ),
        ("y ~ x + offset(log(t))", "poisson", {"offsets": np.log([1.0, 2.0] * 3).tolist()}),
        ("y ~ 1 + (1 | g:h)", "poisson", {"J_1": [1, 2, 3, 4, 5, 6], "N_1": 6}),
        ("y ~ 0 + x", "poisson", {"K": 1, "X": [[v] for v in X]}),
        ("y ~ 1 + (1 + x | g)", "poisson", {"M_1": 2, "NC_1": 1, "Z_1_2": X}),
        ("y ~ 1 + (1 + x || g)", "poisson", {"M_1": 2}),
    ],
    ids=[
        "trials",
        "weights",
        "scaled_weights",
        "offset",
        "interaction_group",
        "no_intercept",
        "cor",
        "uncor",
    ],
)
def test_addition_and_term_data(formula, fam, expected):
    sd = standata(formula, _frame(), fam)
    for name, value in expected.items():
        np.testing.assert_allclose(sd[name], value)


def test_scaled_weights_sum_to_the_number_of_rows():
    df = _frame().assign(w=[3.0, 0.0, 7.5, 0.25, 1.0, 10.0])
    weights = standata("y | weights(w, TRUE) ~ x", df, "poisson")["weights"]
    assert np.sum(weights) == pytest.approx(len(df))
    np.testing.assert_allclose(np.asarray(weights), df["w"] * 6 / 21.75)  # proportional


def test_intercept_only_has_no_design():
    sd = standata("y ~ 1", _frame(), "poisson")
    assert "X" not in sd and "K" not in sd


def test_uncorrelated_has_no_correlation_count():
    assert "NC_1" not in standata("y ~ 1 + (1 + x || g)", _frame(), "poisson")


def test_cumulative():
    df = _frame().assign(y=[1, 2, 3, 4, 2, 1])
    sd = arrays(standata("y ~ x", df, "cumulative"))
    assert sd["nthres"] == 3 and sd["K"] == 1 and sd["Kc"] == 1
    np.testing.assert_array_equal(sd["X"][:, 0], df["x"])  # no intercept column


def test_distributional():
    sd = arrays(standata(bf("x ~ 1", sigma="~ t + (1 | g)"), _frame(), "gaussian"))
    assert (sd["K_sigma"], sd["Kc_sigma"]) == (2, 1)
    assert sd["Z_1_sigma_1"].shape == (6,) and sd["N_1"] == 3


def test_data_match_the_program_declarations():
    """Every declared data variable is provided, and nothing else."""
    from pybrms.codegen import stancode

    formula, df = bf("y | weights(w) ~ x + offset(t) + (1 + x | g)", shape="~ x"), _frame()
    code = stancode(formula, df, "negbinomial", threads=threading(2))
    data_block = code.split("data {", 2)[1].split("}")[0]
    declared = {line.split(";")[0].split()[-1] for line in data_block.splitlines() if ";" in line}
    assert declared == set(standata(formula, df, "negbinomial", threads=threading(2)))


def test_standata_is_json_and_round_trips_to_the_arrays(epilepsy):
    """``json.dumps`` writes it, and it holds the values Stan's JSON reader gets."""
    import json

    formula = "count ~ zAge + zBase * Trt + (1|patient)"
    sd = standata(formula, epilepsy, "poisson", threads=threading(2))
    arrays_in = make_standata(build_spec(formula, epilepsy, "poisson"), threading(2))
    back = json.loads(json.dumps(sd))
    assert set(back) == set(arrays_in)
    for name, value in arrays_in.items():
        np.testing.assert_array_equal(np.asarray(back[name]), value, err_msg=name)
