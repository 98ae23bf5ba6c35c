"""pp_check, conditional_effects and mcmc_plot, drawn on the Agg canvas; assertions on artists."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection

pytestmark = pytest.mark.stan


def test_dens_overlay_draws_ten_replicates_and_y(gaussian_fit):
    figure = gaussian_fit.pp_check()
    (ax,) = figure.axes
    assert len(ax.lines) == 11
    assert ax.lines[-1].get_label() == "y" and ax.lines[-1].get_linewidth() == 2
    figure.canvas.draw()


@pytest.mark.parametrize(("type", "panels"), [("hist", 6), ("error_hist", 5)])
def test_panel_types_draw_one_panel_per_draw(gaussian_fit, type, panels):
    figure = gaussian_fit.pp_check(type, ndraws=5)
    assert len(figure.axes) == panels
    figure.canvas.draw()


def test_ecdf_overlay_and_boxplot(gaussian_fit):
    assert len(gaussian_fit.pp_check("ecdf_overlay", ndraws=3).axes[0].lines) == 4
    assert len(gaussian_fit.pp_check("boxplot", ndraws=3).axes[0].patches) == 4


def test_stat_uses_all_draws_and_marks_the_observed_statistic(gaussian_fit):
    (ax,) = gaussian_fit.pp_check("stat", stat="sd").axes
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == 600  # all posterior draws by default, as brms
    (line,) = ax.lines
    np.testing.assert_allclose(
        line.get_xdata()[0], np.std(gaussian_fit.spec.response.values, ddof=1)
    )


def test_intervals_and_scatter_avg(gaussian_fit):
    (ax,) = gaussian_fit.pp_check("intervals").axes
    inner = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(inner) == 2 and all(len(c.get_segments()) == 80 for c in inner)
    (ax,) = gaussian_fit.pp_check("scatter_avg").axes
    assert len(ax.collections[0].get_offsets()) == 80
    assert len(gaussian_fit.pp_check("ribbon").axes[0].collections) == 2


def test_bars_count_the_observed_values(poisson_fit):
    (ax,) = poisson_fit.pp_check("bars").axes
    y = poisson_fit.spec.response.values
    bars = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}
    for value in np.unique(y):
        assert bars[int(value)] == (y == value).sum()


def test_conditional_effects_numeric_and_categorical(gaussian_fit):
    ce = gaussian_fit.conditional_effects()
    assert list(ce) == ["x", "f"]
    x = ce["x"]
    data = gaussian_fit.spec.data
    assert len(x) == 100 and x["x"].min() == data["x"].min() and x["x"].max() == data["x"].max()
    assert (x["f"] == "a").all()  # the reference level
    frame = gaussian_fit.draws_frame()
    expected = frame["b_Intercept"].to_numpy()[:, None] + np.outer(frame["b_x"], x["x"])
    np.testing.assert_allclose(x["estimate__"], np.median(expected, axis=0))
    np.testing.assert_allclose(x["lower__"], np.quantile(expected, 0.025, axis=0))
    f = ce["f"]
    assert list(f["effect1__"]) == ["a", "b", "c"]
    np.testing.assert_allclose(f["x"], data["x"].mean())
    assert (f["lower__"] < f["estimate__"]).all() and (f["estimate__"] < f["upper__"]).all()
    figure = ce.plot()
    assert len(figure.axes) == 2
    numeric, categorical = figure.axes
    assert len(numeric.lines[0].get_xdata()) == 100
    assert any(isinstance(c, PolyCollection) for c in numeric.collections)
    assert len(categorical.containers) == 1  # one errorbar set, three levels
    figure.canvas.draw()


def test_conditional_effects_interaction(gaussian_fit):
    ce = gaussian_fit.conditional_effects("x:f", prob=0.5)
    table = ce["x:f"]
    assert len(table) == 300 and set(table["effect2__"]) == {"a", "b", "c"}
    interval = table["upper__"] - table["lower__"]
    assert (interval > 0).all()
    figure = ce.plot()
    assert len(figure.axes[0].get_legend().get_texts()) == 3


@pytest.mark.parametrize(
    ("type", "minimum_axes"),
    [("intervals", 1), ("areas", 1), ("trace", 10), ("dens", 1), ("rank", 1)],
)
def test_mcmc_plot(gaussian_fit, type, minimum_axes):
    figure = gaussian_fit.mcmc_plot(type)
    assert len(figure.axes) >= minimum_axes
    figure.canvas.draw()


def test_mcmc_plot_selects_variables(gaussian_fit):
    figure = gaussian_fit.mcmc_plot("trace", "^sd_", regex=True)
    titles = {ax.get_title() for ax in figure.axes}
    assert {"sd_g__Intercept", "sd_g__x"} <= titles


def test_stat_2d_plots_two_statistics_of_every_draw(gaussian_fit):
    (ax,) = gaussian_fit.pp_check("stat_2d").axes
    replicated, observed = ax.collections
    assert len(replicated.get_offsets()) == 600  # all draws by default, as brms
    y = gaussian_fit.spec.response.values
    np.testing.assert_allclose(observed.get_offsets()[0], [y.mean(), np.std(y, ddof=1)])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("mean", "sd")
    (ax,) = gaussian_fit.pp_check("stat_2d", stat=("min", "max"), ndraws=50).axes
    assert len(ax.collections[0].get_offsets()) == 50


def test_loo_pit_values_agree_with_arviz(gaussian_fit):
    import arviz as az

    from pybrms.fit.arviz import psis_log_weights
    from pybrms.fit.pp_check import loo_pit

    y = gaussian_fit.spec.response.values
    yrep = gaussian_fit.posterior_predict(rng=1)
    log_lik = gaussian_fit.log_lik()
    log_weights = psis_log_weights(log_lik.reshape(2, -1, len(y)))
    expected = az.loo_pit(y=y, y_hat=yrep.T, log_weights=log_weights.T)
    np.testing.assert_allclose(loo_pit(y, yrep, log_weights), expected, atol=1e-12)


@pytest.mark.parametrize("fit_name", ["gaussian_fit", "poisson_fit"])
def test_loo_pit_overlay_draws_uniform_samples_and_the_pit_density(request, fit_name):
    fit = request.getfixturevalue(fit_name)
    (ax,) = fit.pp_check("loo_pit_overlay", rng=2).axes
    assert len(ax.lines) == 101 and ax.lines[-1].get_label() == "LOO-PIT"
    for line in (ax.lines[0], ax.lines[-1]):
        # densities on [0, 1], reflected at the ends: each integrates to one
        assert np.trapezoid(line.get_ydata(), line.get_xdata()) == pytest.approx(1, abs=0.02)


def test_draw_ids_pick_the_draws(gaussian_fit):
    (ax,) = gaussian_fit.pp_check("stat", draw_ids=[1, 2, 3]).axes
    assert sum(p.get_height() for p in ax.patches) == 3
