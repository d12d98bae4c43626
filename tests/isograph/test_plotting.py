"""isograph.plotting: what each figure shows, and ``isograph report``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.cli import main
from isograph.plotting import (
    eigengene_clustering,
    module_size_table,
    plot_eigengene_correlation,
    plot_module_drivers,
    plot_module_sizes,
    plot_module_trait_heatmap,
    top_drivers,
    trait_correlation,
)


def new_ax():
    return Figure().subplots()


def texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a plotting function called plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


@pytest.fixture
def traits():
    # modules deliberately out of order: M10 must come after M2
    return pd.DataFrame({
        "module": ["M10", "M2", "M1", "M10", "M2", "M1"],
        "trait": ["age", "age", "age", "group", "group", "group"],
        "test": ["pearson"] * 3 + ["welch_t"] * 3,
        "statistic": [0.62, -0.1, 0.3, 3.0, 0.5, -4.0],
        "effect": [0.62, -0.1, 0.3, 1.2, 0.2, -1.5],
        "p_value": [1e-6, 0.5, 0.01, 0.004, 0.6, 1e-4],
        "q_value": [6e-6, 0.6, 0.02, 0.008, 0.6, 3e-4],
        "n": [20] * 6,
    })


def test_trait_correlation_puts_every_test_on_the_correlation_scale(traits):
    r = trait_correlation(traits)
    np.testing.assert_allclose(r[:3], [0.62, -0.1, 0.3])
    np.testing.assert_allclose(r[3], 3.0 / np.sqrt(9.0 + 18.0))  # point-biserial equivalent
    anova = traits.assign(test="anova", effect=0.25)
    np.testing.assert_allclose(trait_correlation(anova), 0.5)
    with pytest.raises(ValueError, match="kruskal"):
        trait_correlation(traits.assign(test="kruskal"))


def test_module_trait_heatmap_shows_correlation_and_q(traits):
    ax = plot_module_trait_heatmap(traits, ax=new_ax())
    image = ax.images[0].get_array()
    assert image.shape == (3, 2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["M1", "M2", "M10"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["age", "group"]
    assert image[2, 0] == pytest.approx(0.62)  # M10 x age
    assert image[0, 1] == pytest.approx(-4.0 / np.sqrt(16.0 + 18.0))
    shown = texts(ax)
    assert "0.62*\n(6e-06)" in shown and "-0.10\n(0.6)" in shown  # * only when q <= fdr
    assert len(shown) == 6
    assert ax.images[0].get_clim() == (-1.0, 1.0)
    assert len(ax.figure.axes) == 2  # the colorbar
    assert "q" in ax.get_title()
    assert not texts(plot_module_trait_heatmap(traits, annotate=False, ax=new_ax()))


def test_module_trait_heatmap_refuses_bad_tables(traits):
    with pytest.raises(ValueError, match="empty"):
        plot_module_trait_heatmap(traits.iloc[:0], ax=new_ax())
    with pytest.raises(ValueError, match="q_value"):
        plot_module_trait_heatmap(traits.drop(columns="q_value"), ax=new_ax())


@pytest.fixture
def eigengenes():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 50))
    return pd.DataFrame({"M0": a, "M1": b, "M2": a + 0.3 * rng.normal(size=50),
                         "M3": b + 0.3 * rng.normal(size=50),
                         "M4": rng.normal(size=50)})


def test_eigengene_correlation_is_clustered(eigengenes):
    ax = plot_eigengene_correlation(eigengenes, ax=new_ax())
    image = ax.images[0].get_array()
    assert image.shape == (5, 5)
    np.testing.assert_allclose(np.diag(image), 1.0)
    order = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(order) == ["M0", "M1", "M2", "M3", "M4"]
    assert abs(order.index("M0") - order.index("M2")) == 1  # correlated pairs side by side
    assert abs(order.index("M1") - order.index("M3")) == 1
    i, j = order.index("M0"), order.index("M2")
    assert image[i, j] == pytest.approx(np.corrcoef(eigengenes["M0"], eigengenes["M2"])[0, 1])
    dendrogram = ax.child_axes[0]
    assert len(dendrogram.lines) == 4  # one merge per line for five leaves
    assert len(texts(ax)) == 25
    corr, linkage = eigengene_clustering(eigengenes)
    assert list(corr.index) == order and linkage.shape == (4, 4)


def test_eigengene_correlation_edge_cases(eigengenes):
    ax = plot_eigengene_correlation(eigengenes[["M0"]], ax=new_ax())
    assert ax.images[0].get_array().shape == (1, 1) and not ax.child_axes
    ax = plot_eigengene_correlation(eigengenes, dendrogram=False, annotate=False, ax=new_ax())
    assert not ax.child_axes and not ax.texts
    with pytest.raises(ValueError, match="no module"):
        plot_eigengene_correlation(eigengenes.iloc[:, :0], ax=new_ax())
    with pytest.raises(ValueError, match="M4"):
        plot_eigengene_correlation(eigengenes.assign(M4=1.0), ax=new_ax())


@pytest.fixture
def modules():
    return pd.DataFrame({
        "gene_id": [f"g{i}" for i in range(9)],
        "module_id": [0, 0, 0, 1, 1, 2, -1, -1, 0],
        "channel": ["both", "switch", "abundance", "switch", "switch", "abundance",
                    None, None, "both"],
    })


def test_module_sizes_stack_channels_and_roles(modules):
    ax = plot_module_sizes(modules, ax=new_ax())
    assert len(ax.patches) == 3 * 3  # modules x channels
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 3)  # channel x module
    np.testing.assert_array_equal(heights, [[1, 2, 0], [1, 0, 1], [2, 0, 0]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["M0", "M1", "M2"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["switch", "abundance",
                                                                   "both"]
    assert "2 genes unassigned" in ax.get_title()
    roles = modules[modules["module_id"] >= 0].assign(
        role=["coupled", "switch_only", "abundance_only", "switch_only", "discordant",
              "abundance_only", "coupled"])
    ax = plot_module_sizes(modules, roles=roles, ax=new_ax())
    table = module_size_table(modules, roles)
    assert list(table.columns) == ["coupled", "discordant", "switch_only", "abundance_only"]
    assert table.loc["M0"].tolist() == [2, 0, 1, 1]
    assert len(ax.patches) == 3 * 4
    plain = module_size_table(modules.drop(columns="channel"))
    assert plain["genes"].tolist() == [4, 2, 1]
    with pytest.raises(ValueError, match="no gene"):
        plot_module_sizes(modules.assign(module_id=-1), ax=new_ax())


@pytest.fixture
def drivers():
    rng = np.random.default_rng(1)
    n = 30
    return pd.DataFrame({
        "module": "M3",
        "feature": [f"g{i}::{'switch' if i % 2 else 'abundance'}" for i in range(n)],
        "gene_id": [f"g{i}" for i in range(n)],
        "channel": ["switch" if i % 2 else "abundance" for i in range(n)],
        "decoded_change": rng.normal(size=n) * 2,
        "driver": [i < 20 for i in range(n)],
    })


def test_module_drivers_shows_the_top_drivers_per_channel(drivers):
    ax = plot_module_drivers(drivers, n_top=4, ax=new_ax())
    assert len(ax.patches) == 8  # four per channel
    top = top_drivers(drivers, n_top=4)
    assert top["driver"].all()
    for channel in ("switch", "abundance"):
        flagged = drivers[drivers["driver"] & (drivers["channel"] == channel)]
        best = flagged.loc[flagged["decoded_change"].abs().nlargest(4).index, "gene_id"]
        assert top.loc[top["channel"] == channel, "gene_id"].tolist() == best.tolist()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == top["gene_id"].tolist()
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, np.sort(top["decoded_change"].to_numpy()))
    assert ax.get_title() == "M3: top drivers per channel"
    assert "decoded change" in ax.get_xlabel()
    every = plot_module_drivers(drivers, n_top=100, drivers_only=False, ax=new_ax())
    assert len(every.patches) == 30
    none = plot_module_drivers(drivers.assign(driver=False), ax=new_ax())
    assert not none.patches and "no drivers" in texts(none)


def test_module_drivers_reads_integrated_gradients_tables(drivers):
    ig = drivers.drop(columns=["decoded_change", "driver"]).assign(
        mean_attribution=np.linspace(-1, 1, len(drivers)))
    ax = plot_module_drivers(ig, n_top=3, ax=new_ax())
    assert len(ax.patches) == 6 and "Integrated Gradients" in ax.get_xlabel()
    with pytest.raises(ValueError, match="score"):
        plot_module_drivers(ig.drop(columns="mean_attribution"), ax=new_ax())


def test_without_ax_a_new_figure_is_made(traits):
    ax = plot_module_trait_heatmap(traits)
    assert ax.figure is not None and ax.images


# ------------------------------------------------------------------ report
@pytest.fixture(scope="module")
def fit_dir(tmp_path_factory):
    ds = make_isoform_dataset("toy", random_state=0)
    result = fit_dataset(ds.data, "baseline", covariates=["batch", "confounder"],
                         traits=["trait", "group"], shrinkage=0.8)
    assert result.model.n_modules_ >= 2
    return result.save(tmp_path_factory.mktemp("report") / "fit")


def test_cli_report_writes_readable_pngs(fit_dir, capsys):
    assert main(["report", "--fit-dir", str(fit_dir)]) == 0
    out = capsys.readouterr().out
    for name in ("module_trait_heatmap.png", "eigengene_correlation.png", "module_sizes.png"):
        image = imread(fit_dir / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 100, name
        assert name in out
    assert "explain-module" in out  # no driver figure yet, and it says why
    assert not [p for p in fit_dir.iterdir() if p.name.startswith(".report")]
    assert main(["report", "--fit-dir", str(fit_dir)]) == 0  # figures are regenerated


def test_cli_report_errors_are_one_line(fit_dir, tmp_path, capsys):
    code = main(["report", "--fit-dir", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "missing" in err
    (tmp_path / "empty").mkdir()
    code = main(["report", "--fit-dir", str(tmp_path / "empty")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "fit_config.json" in err
    assert not list((tmp_path / "empty").iterdir())
