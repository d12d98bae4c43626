import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from regnet import RegNet  # noqa: E402
from regnet.cli import write_pretrain_directory  # noqa: E402
from regnet.interpret import (  # noqa: E402
    compare_weights,
    embed_2d,
    plot_latent_umap,
    plot_shrinkage_hist,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    plot_shrinkage_vs_expression,
)
from regnet.visualization.visualize_regnet import main, read_tf_file  # noqa: E402

from .test_interpret import small_data  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RED, BLUE = to_rgba("red"), to_rgba("blue")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def weights_table(seed=0, n=40):
    rng = np.random.default_rng(seed)
    degree = rng.integers(0, 12, size=n)
    weight = np.clip(0.2 + 0.1 * np.log1p(degree) + 0.05 * rng.normal(size=n), 0, 1)
    weight[degree == 0] = np.nan
    frame = pd.DataFrame(
        {"weight": weight, "degree": degree, "in_degree": degree // 2,
         "mean_expression": rng.uniform(0, 5, size=n), "is_tf": np.arange(n) < 10},
        index=pd.Index([f"g{i}" for i in range(n)], name="gene"),
    )
    frame.attrs["method"] = "finite_difference"
    return frame


def colours(collection):
    return {tuple(np.round(c, 6)) for c in collection.get_facecolors()}


def test_latent_pca_colours_tfs_red_and_others_blue():
    rng = np.random.default_rng(0)
    emb = pd.DataFrame(rng.normal(size=(30, 5)), index=[f"g{i}" for i in range(30)])
    tfs = ["g1", "g4", "g7", "not_a_gene"]
    fig, ax = plt.subplots()
    assert plot_latent_umap(emb, tfs=tfs, method="pca", ax=ax) is ax
    others, tf = ax.collections
    assert len(others.get_offsets()) == 27 and len(tf.get_offsets()) == 3
    assert colours(others) == {tuple(np.round(BLUE[:3] + (0.7,), 6))}
    assert colours(tf) == {tuple(np.round(RED[:3] + (0.7,), 6))}
    expected = embed_2d(emb, method="pca")
    np.testing.assert_allclose(tf.get_offsets(), expected[[1, 4, 7]])
    assert ax.get_xlabel() == "PC 1"
    assert "TFs (3)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_latent_tsne_and_errors():
    rng = np.random.default_rng(1)
    emb = pd.DataFrame(rng.normal(size=(25, 4)), index=[f"g{i}" for i in range(25)])
    ax = plot_latent_umap(emb, tfs=pd.Series(np.arange(25) < 5, index=emb.index), method="tsne")
    assert [len(c.get_offsets()) for c in ax.collections] == [20, 5]
    assert ax.get_xlabel() == "t-SNE 1"
    with pytest.raises(ValueError, match="method must be one of"):
        plot_latent_umap(emb, method="mds")
    with pytest.raises(TypeError, match="genes x latent DataFrame"):
        plot_latent_umap(emb.to_numpy())


@pytest.mark.slow
def test_latent_umap_small():
    rng = np.random.default_rng(2)
    emb = pd.DataFrame(rng.normal(size=(40, 4)), index=[f"g{i}" for i in range(40)])
    ax = plot_latent_umap(emb, tfs=["g0", "g1"], method="umap", n_neighbors=5)
    assert [len(c.get_offsets()) for c in ax.collections] == [38, 2]
    assert ax.get_xlabel() == "UMAP 1"
    assert np.isfinite(ax.collections[0].get_offsets()).all()


def test_shrinkage_vs_degree_scatter_and_trend():
    weights = weights_table()
    ax = plot_shrinkage_vs_degree(weights)
    valid = weights.loc[weights["weight"].notna() & (weights["degree"] > 0)]
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(valid)
    tf_points = ax.collections[1].get_offsets()
    assert len(tf_points) == valid["is_tf"].sum()
    assert colours(ax.collections[1]) == {tuple(np.round(RED[:3] + (0.7,), 6))}
    (line,) = ax.get_lines()
    slope, intercept = np.polyfit(np.log(valid["degree"]), valid["weight"], 1)
    x, y = line.get_data()
    np.testing.assert_allclose(y, intercept + slope * np.log(x))
    assert slope > 0  # the planted trend
    assert ax.get_xscale() == "log"
    assert "finite difference" in ax.get_ylabel()
    ax = plot_shrinkage_vs_degree(weights, degree="in_degree")
    assert sum(len(c.get_offsets()) for c in ax.collections) == int(
        (weights["weight"].notna() & (weights["in_degree"] > 0)).sum())


def test_unstable_genes_are_circled():
    weights = weights_table()
    valid = weights.loc[weights["weight"].notna() & (weights["degree"] > 0)]
    weights["unstable"] = weights.index.isin(valid.index[:4])
    for draw in (plot_shrinkage_vs_degree, plot_shrinkage_vs_expression):
        ax = draw(weights)
        circles = [c for c in ax.collections if "unstable" in c.get_label()]
        assert len(circles) == 1 and circles[0].get_label() == "unstable across seeds (4)"
        assert len(circles[0].get_offsets()) == 4
        np.testing.assert_allclose(np.sort(circles[0].get_offsets()[:, 1]),
                                   np.sort(valid["weight"].iloc[:4]))
        assert len(circles[0].get_facecolors()) == 0  # hollow: the gene's colour shows through
    plain = plot_shrinkage_vs_degree(weights.drop(columns="unstable"))
    assert not [c for c in plain.collections if "unstable" in c.get_label()]


def test_shrinkage_hist_patches_and_median():
    weights = weights_table()
    ax = plot_shrinkage_hist(weights, bins=10)
    assert len(ax.patches) == 10
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == weights["weight"].notna().sum()
    edges = [p.get_x() for p in ax.patches]
    assert edges[0] == pytest.approx(0.0) and edges[-1] == pytest.approx(0.9)
    (median,) = ax.get_lines()
    assert median.get_xdata()[0] == pytest.approx(weights["weight"].median())
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        plot_shrinkage_hist(weights, bins=0)


def test_shrinkage_vs_expression():
    weights = weights_table()
    fig, ax = plt.subplots()
    assert plot_shrinkage_vs_expression(weights, ax=ax) is ax
    others, tf = ax.collections
    valid = weights.dropna(subset=["weight"])
    np.testing.assert_allclose(
        np.sort(np.r_[others.get_offsets()[:, 0], tf.get_offsets()[:, 0]]),
        np.sort(valid["mean_expression"]),
    )
    assert len(tf.get_offsets()) == valid["is_tf"].sum()


def test_shrinkage_vs_bayes_reports_correlation():
    weights = weights_table()
    bayes = weights[["weight"]].assign(weight=lambda f: f["weight"] ** 2)
    ax = plot_shrinkage_vs_bayes(weights, bayes)
    stats = compare_weights(weights, bayes)
    assert f"Pearson r = {stats['pearson']:.2f}" in ax.get_title()
    assert "finite difference" in ax.get_ylabel()  # the method of weights, lost in the join
    (identity,) = ax.get_lines()
    np.testing.assert_allclose(identity.get_xydata(), [[0, 0], [1, 1]])
    assert sum(len(c.get_offsets()) for c in ax.collections) == stats["n_genes"]


def test_plot_input_errors():
    weights = weights_table()
    with pytest.raises(ValueError, match=r"lacks columns \['mean_expression'\]"):
        plot_shrinkage_vs_expression(weights.drop(columns="mean_expression"))
    with pytest.raises(ValueError, match="no finite weight"):
        plot_shrinkage_hist(weights.assign(weight=np.nan))
    with pytest.raises(TypeError, match="DataFrame from shrinkage_weights"):
        plot_shrinkage_hist(weights["weight"])


# --------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def pretrain_dir(tmp_path_factory):
    X, edges, tfs = small_data()
    model = RegNet(8, latent_channels=4, heads=2, max_epochs=3, patience=2,
                   validation_fraction=0.3, random_state=0).fit(X, edges, tfs=tfs)
    path = tmp_path_factory.mktemp("pretrain")
    write_pretrain_directory(model, path)
    return path


SHRINKAGE_FILES = ["shrinkage_vs_degree.png", "shrinkage_hist.png",
                   "shrinkage_vs_expression.png", "shrinkage_vs_bayes.png"]


def read_png(path):
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0.01  # something is drawn
    return image


def test_cli_writes_readable_pngs(pretrain_dir, capsys):
    before = {p.name for p in pretrain_dir.iterdir()}
    assert main(["--pretrain_dir", str(pretrain_dir), "--plots", "all", "--method", "pca",
                 "--dpi", "60"]) == 0
    written = {p.name for p in pretrain_dir.iterdir()} - before
    assert written == {"latent_pca.png", "shrinkage_weights.csv", *SHRINKAGE_FILES}
    for name in written - {"shrinkage_weights.csv"}:
        read_png(pretrain_dir / name)
    table = pd.read_csv(pretrain_dir / "shrinkage_weights.csv", index_col=0)
    assert {"weight", "bayes_weight", "degree", "reason"} <= set(table.columns)
    assert table["weight"].dropna().between(0, 1).all()
    assert (table["method"] == "projection").all()  # the default: the basis-free projection
    assert "latent_pca.png" in capsys.readouterr().out
    assert not [p for p in pretrain_dir.iterdir() if p.name.startswith(".visualize")]


def test_cli_expression_csv_and_tf_file(pretrain_dir, tmp_path):
    X, _, _ = small_data()
    csv = tmp_path / "BL--ExpressionData.csv"
    X.to_csv(csv)
    tf_file = tmp_path / "TF.csv"
    pd.DataFrame({"TF": ["G03", "G04"], "index": [3, 4]}).to_csv(tf_file)
    assert read_tf_file(tf_file) == ["G03", "G04"]
    (pretrain_dir / "latent_tsne.png").unlink(missing_ok=True)
    assert main(["--pretrain_dir", str(pretrain_dir), "--expression_csv", str(csv),
                 "--tf_file", str(tf_file), "--plots", "basic", "shrinkage", "--method", "tsne",
                 "--shrinkage_method", "finite_difference", "--dpi", "60"]) == 0
    read_png(pretrain_dir / "latent_tsne.png")
    table = pd.read_csv(pretrain_dir / "shrinkage_weights.csv", index_col=0)
    assert sorted(table.index[table["is_tf"]]) == ["G03", "G04"]
    assert (table["method"] == "finite_difference").all()
    lines = tmp_path / "tfs.txt"
    lines.write_text("G01\nG02\n\n")
    assert read_tf_file(lines) == ["G01", "G02"]


def test_cli_bad_input_writes_nothing(pretrain_dir, tmp_path, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in pretrain_dir.iterdir()}
    tf_file = tmp_path / "tfs.txt"
    tf_file.write_text("NOPE1\nNOPE2\n")
    assert main(["--pretrain_dir", str(pretrain_dir), "--tf_file", str(tf_file),
                 "--plots", "all"]) == 1
    err = capsys.readouterr().err
    assert "names no gene" in err and "--tf-file" in err and len(err.splitlines()) == 1
    assert main(["--pretrain-dir", str(tmp_path), "--plots", "basic"],
                prog="regnet visualize") == 1
    err = capsys.readouterr().err
    assert err.startswith("regnet visualize: error: --pretrain-dir")
    assert "not a RegNet pretrain directory" in err and len(err.splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["--pretrain_dir", str(pretrain_dir), "--method", "mds"])
    assert {p.name: p.stat().st_mtime_ns for p in pretrain_dir.iterdir()} == before


def test_regnet_visualize_subcommand_forwards_to_the_plotting_command(pretrain_dir, capsys):
    from regnet.cli import main as regnet_main

    with pytest.raises(SystemExit) as exit_info:
        regnet_main(["visualize", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: regnet visualize")
    assert "--pretrain-dir" in help_text and "projection (default" in help_text

    assert regnet_main(["visualize", "--pretrain_dir", str(pretrain_dir), "--plots", "basic",
                        "--method", "pca", "--dpi", "60"]) == 0
    read_png(pretrain_dir / "latent_pca.png")
