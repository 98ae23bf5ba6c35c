"""conditional_effects: conditions, category probabilities, methods, and the plot, on real fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pybrms.errors import PybrmsError, SpecError

pytestmark = pytest.mark.stan

CONDITIONS = pd.DataFrame({"f": ["b", "c"], "cond__": ["f = b", "f = c"]})


def linpred_by_hand(fit, rows: pd.DataFrame) -> np.ndarray:
    """Draws x rows of the population-level predictor of ``y ~ x + f + ...``."""
    frame = fit.draws_frame()
    return (
        frame["b_Intercept"].to_numpy()[:, None]
        + np.outer(frame["b_x"], rows["x"])
        + np.outer(frame["b_fb"], rows["f"] == "b")
        + np.outer(frame["b_fc"], rows["f"] == "c")
    )


def test_one_block_per_condition(gaussian_fit):
    table = gaussian_fit.conditional_effects("x", conditions=CONDITIONS)["x"]
    assert len(table) == 200
    assert list(table["cond__"].cat.categories) == ["f = b", "f = c"]
    for label, level in (("f = b", "b"), ("f = c", "c")):
        rows = table[table["cond__"] == label]
        assert (rows["f"] == level).all() and len(rows) == 100
        expected = linpred_by_hand(gaussian_fit, rows)
        np.testing.assert_allclose(rows["estimate__"], np.median(expected, axis=0))


def test_variables_not_in_conditions_take_the_defaults(gaussian_fit):
    data = gaussian_fit.spec.data
    ce = gaussian_fit.conditional_effects(["x", "f"], conditions=pd.DataFrame({"x": [-1.0, 1.0]}))
    f = ce["f"]
    # f varies; x is each condition's value; labels are the index, as brms's row names
    assert list(f["cond__"].cat.categories) == ["0", "1"]
    assert list(f["x"]) == [-1.0] * 3 + [1.0] * 3
    # x varies over its range, so its condition value is unused; f takes its reference level
    x = ce["x"]
    assert (x["f"] == "a").all() and x["x"].max() == data["x"].max()
    # no conditions: one condition, labelled "1" as brms
    assert list(gaussian_fit.conditional_effects("f")["f"]["cond__"].astype(str)) == ["1"] * 3


def test_plot_has_one_panel_per_effect_and_condition(gaussian_fit):
    ce = gaussian_fit.conditional_effects(["x", "f"], conditions=CONDITIONS)
    figure = ce.plot()
    assert len(figure.axes) == 4
    assert [ax.get_title() for ax in figure.axes] == ["f = b", "f = c"] * 2
    assert [ax.get_xlabel() for ax in figure.axes] == ["x", "x", "f", "f"]
    figure.canvas.draw()


@pytest.mark.parametrize(
    ("conditions", "culprit"),
    [
        (pd.DataFrame({"f": []}), "at least one row"),
        (pd.DataFrame({"x": [0.0, 1.0], "cond__": ["same", "same"]}), "unique"),
        ({"x": [0.0]}, "DataFrame"),
    ],
    ids=["empty", "duplicated labels", "not a frame"],
)
def test_bad_conditions(gaussian_fit, conditions, culprit):
    with pytest.raises(SpecError, match=culprit) as info:
        gaussian_fit.conditional_effects("x", conditions=conditions)
    assert isinstance(info.value, PybrmsError)


def test_unknown_condition_variable_warns(gaussian_fit):
    with pytest.warns(UserWarning, match="not part of the model: z"):
        gaussian_fit.conditional_effects("x", conditions=pd.DataFrame({"z": [1.0]}))


def test_group_effects_from_conditions(gaussian_fit):
    """re_formula=None with the grouping in conditions; a new level as sample_new_levels says."""
    conditions = pd.DataFrame({"g": ["g3", "new"], "cond__": ["g3", "new"]})
    table = gaussian_fit.conditional_effects(
        "f", conditions=conditions, re_formula=None, sample_new_levels="old_levels", rng=1
    )["f"]
    g3 = table[table["cond__"] == "g3"]
    expected = gaussian_fit.posterior_epred(g3[["x", "f", "g"]])
    np.testing.assert_allclose(g3["estimate__"], np.median(expected, axis=0))
    assert (table[table["cond__"] == "new"]["g"] == "new").all()


def test_posterior_predict_is_wider_than_epred(gaussian_fit):
    epred = gaussian_fit.conditional_effects("f")["f"]
    predicted = gaussian_fit.conditional_effects("f", method="posterior_predict", rng=3)["f"]
    assert (
        (predicted["upper__"] - predicted["lower__"]) > (epred["upper__"] - epred["lower__"])
    ).all()


def test_categorical_gives_each_category_probability(ordinal_fit):
    ce = ordinal_fit.conditional_effects("x", categorical=True, robust=False)
    assert list(ce) == ["x:cats__"]
    table = ce["x:cats__"]
    labels = ["none", "mild", "moderate", "severe"]  # the response's levels, as brms
    assert len(table) == 400 and list(table["cats__"].cat.categories) == labels
    assert (table["effect2__"] == table["cats__"]).all()
    first = table[table["cats__"] == "none"]
    epred = ordinal_fit.posterior_epred(first[["x", "f"]])
    for k, label in enumerate(labels):
        rows = table[table["cats__"] == label]
        np.testing.assert_allclose(rows["estimate__"], epred[:, :, k].mean(axis=0))
    # mean probabilities of the categories sum to one at every x
    sums = table.groupby("effect1__")["estimate__"].sum()
    np.testing.assert_allclose(sums, 1.0)
    # the latent effect of x is positive: the last category grows with x
    last = table[table["cats__"] == "severe"]["estimate__"].to_numpy()
    assert last[-1] > last[0]
    figure = ce.plot()
    (ax,) = figure.axes
    assert len(ax.lines) == 4 and len(ax.get_legend().get_texts()) == 4
    figure.canvas.draw()


def test_categorical_drops_interactions_with_a_warning(ordinal_fit):
    with pytest.warns(UserWarning, match="Interactions cannot be plotted"):
        ce = ordinal_fit.conditional_effects(["x", "x:f"], categorical=True)
    assert list(ce) == ["x:cats__"]


def test_ordinal_without_categorical_is_the_expected_category(ordinal_fit):
    with pytest.warns(UserWarning, match="treated as continuous"):
        table = ordinal_fit.conditional_effects("f", robust=False)["f"]
    epred = ordinal_fit.posterior_epred(table[["x", "f"]])
    np.testing.assert_allclose(table["estimate__"], (epred @ np.arange(1, 5)).mean(axis=0))
    with pytest.warns(UserWarning, match="treated as continuous"):
        predicted = ordinal_fit.conditional_effects("f", method="posterior_predict", rng=2)["f"]
    assert predicted["lower__"].min() >= 1 and predicted["upper__"].max() <= 4
    # linear predictors are continuous: no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        linear = ordinal_fit.conditional_effects("f", method="posterior_linpred")["f"]
    expected = ordinal_fit.posterior_linpred(linear[["x", "f"]])
    np.testing.assert_allclose(linear["estimate__"], np.median(expected, axis=0))


@pytest.mark.parametrize(
    ("fit_name", "kwargs", "culprit"),
    [
        ("gaussian_fit", {"categorical": True}, "'gaussian'"),
        ("ordinal_fit", {"categorical": True, "method": "posterior_predict"}, "posterior_predict"),
        ("gaussian_fit", {"method": "fitted"}, "'fitted'"),
        ("gaussian_fit", {"conditions": pd.DataFrame({"f": ["z"]})}, "'z'"),
    ],
    ids=["no categories", "categorical predict", "unknown method", "unknown level"],
)
def test_bad_arguments(request, fit_name, kwargs, culprit):
    fit = request.getfixturevalue(fit_name)
    with pytest.raises(SpecError) as info:
        fit.conditional_effects("x", **kwargs)
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)
