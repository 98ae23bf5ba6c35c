"""Multi-membership groupings ``(1 | mm(g1, g2))``: brms's names, priors, Stan data
and code, and rows for new data (R/formula-re.R ``mm``, R/data-predictor.R
``data_gr_local``, R/stan-predictor.R ``.stan_re`` and ``stan_eta_re``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.codegen import stancode
from pybrms.errors import FormulaSyntaxError, PybrmsError, SpecError
from pybrms.formula import parse
from pybrms.scheduler import threading
from pybrms.spec import build_spec, get_prior
from pybrms.spec.terms import MultiMembershipEffects, RowRequest

FORMULA = "y ~ x + (1 + x | mm(s1, s2, weights = cbind(w1, w2)))"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 12
    return pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "x": rng.normal(size=n),
            # levels of s1 in their order, then those only in s2 (brms's union)
            "s1": ["c", "a", "b", "a", "c", "b", "a", "c", "b", "a", "b", "c"],
            "s2": ["d", "b", "e", "d", "a", "e", "b", "d", "a", "e", "d", "b"],
            "w1": rng.uniform(0.1, 1.0, size=n),
            "w2": rng.uniform(0.1, 1.0, size=n),
        }
    )


def test_parse_keeps_members_weights_and_scale():
    (term,) = parse("y ~ (1 | mm(s1, s2, weights = cbind(w1, w2), scale = FALSE))").groups
    assert (term.group, term.factors, term.weights, term.scale) == (
        "mms1s2",
        ("s1", "s2"),
        ("w1", "w2"),
        False,
    )
    assert term.multi_membership


def test_levels_are_the_union_of_the_members(data):
    (g,) = build_spec(FORMULA, data).groups
    assert isinstance(g, MultiMembershipEffects)
    assert g.group == "mms1s2"
    assert g.levels == ("a", "b", "c", "d", "e")
    position = {level: k for k, level in enumerate(g.levels, start=1)}
    assert g.J[0].tolist() == [position[v] for v in data["s1"]]
    assert g.J[1].tolist() == [position[v] for v in data["s2"]]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("", lambda d: np.full((2, len(d)), 0.5)),
        (", weights = cbind(w1, w2)", lambda d: d[["w1", "w2"]].T / (d["w1"] + d["w2"])),
        (", weights = cbind(w1, w2), scale = FALSE", lambda d: d[["w1", "w2"]].T),
    ],
    ids=["equal", "scaled", "unscaled"],
)
def test_weights_as_brms(data, options, expected):
    (g,) = build_spec(f"y ~ (1 | mm(s1, s2{options}))", data).groups
    np.testing.assert_allclose(g.W, np.asarray(expected(data), dtype=float))


def test_stan_data_take_brms_names(data):
    spec = build_spec(FORMULA, data)
    (g,) = spec.groups
    sd = g.standata()
    assert list(sd) == [
        "N_1", "M_1", "J_1_1", "W_1_1", "J_1_2", "W_1_2", "NC_1",
        "Z_1_1_1", "Z_1_1_2", "Z_1_2_1", "Z_1_2_2",
    ]  # fmt: skip
    np.testing.assert_array_equal(sd["Z_1_2_1"], data["x"])
    np.testing.assert_array_equal(sd["Z_1_2_2"], data["x"])
    np.testing.assert_array_equal(sd["Z_1_1_1"], np.ones(len(data)))


@pytest.mark.parametrize("threads", [None, threading(2)], ids=["plain", "threaded"])
def test_stan_code_sums_the_members_row_by_row(data, threads):
    code = stancode(FORMULA, data, threads=threads)
    n = "nn" if threads else "n"
    assert (
        f"W_1_1[{n}] * r_1_1[J_1_1[{n}]] * Z_1_1_1[{n}] + W_1_2[{n}] * r_1_1[J_1_2[{n}]] "
        f"* Z_1_1_2[{n}] + W_1_1[{n}] * r_1_2[J_1_1[{n}]] * Z_1_2_1[{n}]"
    ) in code
    assert "array[N] real W_1_2;  // multi-membership weights" in code
    assert "matrix[N_1, M_1] r_1 = scale_r_cor(z_1, sd_1, L_1);" in code


def test_names_and_priors_take_the_group_name(data):
    spec = build_spec(FORMULA, data)
    names = [p.name for p in spec.groups[0].par_names()]
    assert names[:3] == ["sd_mms1s2__Intercept", "sd_mms1s2__x", "cor_mms1s2__Intercept__x"]
    assert "r_mms1s2[e,x]" in names
    table = get_prior(FORMULA, data)
    rows = table[table["group"] == "mms1s2"][["class", "coef"]].to_numpy().tolist()
    assert sorted(rows) == [["cor", ""], ["sd", ""], ["sd", "Intercept"], ["sd", "x"]]


def test_new_rows_weigh_each_members_level(data):
    (g,) = build_spec(FORMULA, data).groups
    new = pd.DataFrame({"x": [2.0], "s1": ["b"], "s2": ["new"], "w1": [1.0], "w2": [3.0]})
    rows = g.rows(RowRequest(newdata=new, allow_new_levels=True))
    assert rows is not None
    assert rows.new_levels == ("new",)
    assert rows.index[:, 0].tolist() == [1, 5]  # b, then the first new level
    np.testing.assert_allclose(rows.Z[:, 0, :], [[0.25, 0.5], [0.75, 1.5]])
    with pytest.raises(SpecError, match="'new' of group 'mms1s2'"):
        g.rows(RowRequest(newdata=new))


BAD = {
    "one_member": ("y ~ (1 | mm(s1))", FormulaSyntaxError, "at least two"),
    "weights_per_member": (
        "y ~ (1 | mm(s1, s2, weights = cbind(w1)))",
        FormulaSyntaxError,
        "2 members but 1 weight",
    ),
    "weights_not_cbind": ("y ~ (1 | mm(s1, s2, weights = w1))", FormulaSyntaxError, "cbind"),
    "unknown_option": ("y ~ (1 | mm(s1, s2, bye = s1))", FormulaSyntaxError, "'bye'"),
    "by_not_yet": ("y ~ (1 | mm(s1, s2, by = s1))", SpecError, "mm(by = )"),
    "mm_outside_group": ("y ~ mm(s1, s2)", FormulaSyntaxError, "mm()"),
}


@pytest.mark.parametrize(("formula", "error", "culprit"), BAD.values(), ids=BAD.keys())
def test_bad_formulas_are_refused(data, formula, error, culprit):
    with pytest.raises(error) as caught:
        build_spec(formula, data)
    assert isinstance(caught.value, PybrmsError)
    assert culprit in str(caught.value)
