import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

import isograph
from isograph import fit_dataset
from isograph.benchmark import (
    compare_backends,
    make_isoform_dataset,
    permute_genes,
    run_benchmark,
)
from isograph.cli import CliError, load_config, main
from isograph.data import IsoformData
from isograph.models import BACKEND_NAMES, get_backend_class

#: What a fit folder holds (docs/cli.md, "isograph fit").
ARTIFACTS = ("modules.parquet", "edges.parquet", "traits.parquet", "feature_scores.parquet",
             "module_gene_roles.parquet", "eigengenes.parquet", "calibration.json",
             "fit_config.json")

# ledoit_wolf shrinkage finds nothing on the toy preset; 0.8 finds its modules fast
FAST = ["baseline.shrinkage=0.8", "covariates=[batch,confounder]"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "toy"
    assert main(["simulate", "--preset", "toy", "--output-dir", str(path), "--",
                 "random_state=0"]) == 0
    return path


def test_simulate_writes_dataset_with_truth(dataset):
    expected = make_isoform_dataset("toy", random_state=0)
    data = IsoformData.read(dataset)
    pd.testing.assert_frame_equal(data.transcript_counts, expected.data.transcript_counts,
                                  check_dtype=False)
    genes = pd.read_parquet(dataset / "truth" / "genes.parquet")
    pd.testing.assert_frame_equal(genes, expected.genes)
    latents = pd.read_parquet(dataset / "truth" / "module_latents.parquet")
    np.testing.assert_allclose(latents.to_numpy(), expected.module_latents.to_numpy())
    params = json.loads((dataset / "truth" / "params.json").read_text())
    assert params["module_sizes"] == expected.params["module_sizes"]


def test_simulate_generator_override_and_bad_preset(tmp_path, capsys):
    code, out, _ = run(capsys, "simulate", "--preset", "toy", "--output-dir",
                       str(tmp_path / "d"), "--", "generator.n_genes=30", "random_state=3")
    assert code == 0 and "30 genes" in out
    assert pd.read_parquet(tmp_path / "d" / "truth" / "genes.parquet").shape[0] == 30
    code, _, err = run(capsys, "simulate", "--preset", "huge", "--output-dir",
                       str(tmp_path / "e"))
    assert code == 1 and "huge" in err and "toy" in err and err.count("\n") == 1
    assert not (tmp_path / "e").exists()


def test_fit_writes_the_workflow_artifacts(dataset, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "fit", "--dataset-path", str(dataset), "--output-dir",
                         str(out_dir), "--backend", "baseline", "--", *FAST)
    assert code == 0, err
    assert (dataset / "truth").is_dir()  # the truth folder beside the tables is ignored
    for name in ARTIFACTS:
        assert (out_dir / name).is_file(), name
    config = json.loads((out_dir / "fit_config.json").read_text())
    assert config["backend"] == "baseline"
    assert config["backend_params"]["shrinkage"] == 0.8
    assert config["covariates"] == ["batch", "confounder"]
    assert config["cli"]["overrides"] == FAST
    # the CLI is a thin shell: the same modules as the Python API with the same parameters
    direct = fit_dataset(IsoformData.read(dataset), "baseline", covariates=["batch", "confounder"],
                         **config["cli"]["config"]["baseline"])
    written = isograph.FitResult.load(out_dir).modules
    pd.testing.assert_frame_equal(written, direct.modules.reset_index(drop=True),
                                  check_dtype=False, check_categorical=False)
    assert (written["module_id"] >= 0).any()
    assert f"{direct.model.n_modules_} modules" in out


def test_default_parameters_come_from_the_yaml_group(dataset, tmp_path, capsys):
    code, _, err = run(capsys, "fit", "--dataset-path", str(dataset), "--output-dir",
                       str(tmp_path / "out"), "--backend", "latent", "--",
                       "latent.n_components=3")
    assert code == 0, err
    params = json.loads((tmp_path / "out" / "fit_config.json").read_text())["backend_params"]
    yaml_defaults = load_config("fit")["latent"]
    assert params["n_components"] == 3
    assert {k: v for k, v in params.items() if k != "n_components"} == {
        k: v for k, v in yaml_defaults.items() if k != "n_components"}


def test_null_override_switches_an_option_off(dataset, tmp_path, capsys):
    code, _, err = run(capsys, "fit", "--dataset-path", str(dataset), "--output-dir",
                       str(tmp_path / "a"), "--backend", "baseline", "--",
                       "baseline.fdr=null", "baseline.alpha=0.3")
    assert code == 0, err
    params = json.loads((tmp_path / "a" / "fit_config.json").read_text())["backend_params"]
    assert params["fdr"] is None and params["alpha"] == 0.3
    # null reaches the backend: with both edge rules off it refuses, in one line
    code, _, err = run(capsys, "fit", "--dataset-path", str(dataset), "--output-dir",
                       str(tmp_path / "b"), "--backend", "baseline", "--", "baseline.fdr=null")
    assert code == 1 and "alpha and fdr are both None" in err and err.count("\n") == 1
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("override, scope", [
    ("baseline.not_a_parameter=1", "baseline"), ("not_a_key=1", None), ("+not_a_key=1", None)])
def test_unknown_key_lists_the_valid_ones(dataset, tmp_path, capsys, override, scope):
    code, _, err = run(capsys, "fit", "--dataset-path", str(dataset), "--output-dir",
                       str(tmp_path / "out"), "--backend", "baseline", "--", override)
    assert code == 1 and err.count("\n") == 1
    assert "not_a" in err
    valid = (get_backend_class("baseline")().get_params() if scope
             else ["backend", "channels", "covariates", *BACKEND_NAMES])
    for key in valid:
        assert key in err
    assert not (tmp_path / "out").exists()


def test_unknown_group_option_and_config_name(capsys):
    with pytest.raises(CliError, match="available: default, quick"):
        load_config("fit", ["vae=nope"])
    code, _, err = run(capsys, "benchmark", "--config-name", "nope")
    assert code == 1 and "available:" in err and "quick" in err


def _corrupt_copy(dataset, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(dataset, bad)
    (bad / "manifest.json").write_text('{"schema_version": ')
    return bad


@pytest.mark.parametrize("case", ["missing", "manifest", "backend", "exists", "not-a-fit"])
def test_errors_are_one_line_and_write_nothing(dataset, tmp_path, capsys, case):
    out_dir = tmp_path / "out"
    path, extra = dataset, ["--backend", "baseline"]
    if case == "missing":
        path = tmp_path / "no_such_folder"
    elif case == "manifest":
        path = _corrupt_copy(dataset, tmp_path)
    elif case == "backend":
        extra = ["--backend", "nonsense"]
    elif case == "exists":
        out_dir.mkdir()
        (out_dir / "keep.txt").write_text("mine")
    elif case == "not-a-fit":
        out_dir.mkdir()
        (out_dir / "keep.txt").write_text("mine")
        extra += ["--overwrite"]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(capsys, "fit", "--dataset-path", str(path), "--output-dir",
                         str(out_dir), *extra, "--", *FAST)
    assert code != 0 and out == ""
    assert err.startswith("isograph fit: error: ") and err.count("\n") == 1
    expected = {"missing": "does not exist", "manifest": "not valid JSON",
                "backend": "valid backends: vae, baseline", "exists": "--overwrite",
                "not-a-fit": "not an isograph fit output"}[case]
    assert expected in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary leftovers
    if case in ("exists", "not-a-fit"):
        assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]


def test_overwrite_replaces_an_earlier_fit(dataset, tmp_path, capsys):
    args = ["fit", "--dataset-path", str(dataset), "--output-dir", str(tmp_path / "o"),
            "--backend", "baseline", "--"]
    assert run(capsys, *args, *FAST)[0] == 0
    assert run(capsys, *args, *FAST)[0] == 1
    args.insert(-1, "--overwrite")
    assert run(capsys, *args, "baseline.shrinkage=0.7")[0] == 0
    config = json.loads((tmp_path / "o" / "fit_config.json").read_text())
    assert config["backend_params"]["shrinkage"] == 0.7


def test_usage_errors_and_help(capsys):
    code, _, err = run(capsys, "fit", "--output-dir", "x")
    assert code == 2 and "--dataset-path" in err and err.count("\n") == 1
    assert run(capsys, "--help")[0] == 0


def test_config_groups_match_the_backends():
    cfg = load_config("fit")
    assert set(BACKEND_NAMES) <= set(cfg)  # one config group per backend
    for name in BACKEND_NAMES:
        try:
            cls = get_backend_class(name)
        except ImportError:
            continue
        defaults = cls().get_params()
        assert set(cfg[name]) == set(defaults), name
        # the YAML documents the defaults; a drifted value would silently change a fit
        for key, value in defaults.items():
            expected = list(value) if isinstance(value, tuple) else value
            if key == "random_state":  # `isograph fit` fixes a seed: reproducible by default
                expected = 0
            assert cfg[name][key] == expected, f"{name}.{key}: {cfg[name][key]!r} != {expected!r}"


def test_permuted_suite_keeps_genes_and_breaks_modules():
    ds = make_isoform_dataset("toy", random_state=0)
    perm = permute_genes(ds.data, random_state=1)
    counts, shuffled = ds.data.transcript_counts, perm.transcript_counts
    for _, tx in ds.data.transcripts.groupby("gene_id")["transcript_id"]:
        block, new = counts[list(tx)].to_numpy(), shuffled[list(tx)].to_numpy()
        # one permutation per gene: the rows of the gene's block are reordered together
        assert sorted(map(tuple, block)) == sorted(map(tuple, new))
    members = ds.genes.index[ds.genes.module_id == 0]
    totals = counts.T.groupby(ds.data.transcript_to_gene).sum().T
    totals_perm = shuffled.T.groupby(ds.data.transcript_to_gene).sum().T

    def mean_corr(x):
        c = np.corrcoef(np.log1p(x[members].to_numpy()).T)
        return np.abs(c[np.triu_indices_from(c, 1)]).mean()

    assert mean_corr(totals) > 0.3 > 0.2 > mean_corr(totals_perm)
    assert perm.metadata["permuted"] is True and perm.gene_counts is None


def test_run_benchmark_table_and_checks():
    runs = run_benchmark(["toy", "toy-permuted"], "baseline", [0, 1],
                         backend_params={"baseline": {"shrinkage": 0.8}})
    assert list(runs["suite"]) == ["toy", "toy", "toy-permuted", "toy-permuted"]
    assert list(runs["seed"]) == [0, 1, 0, 1] and (runs["status"] == "ok").all()
    real, permuted = runs[~runs.permuted], runs[runs.permuted]
    assert real["recovery"].between(0, 1).all() and real["n_true_modules"].eq(3).all()
    assert permuted["recovery"].isna().all() and permuted["n_true_modules"].eq(0).all()
    assert (runs["wall_seconds"] > 0).all()
    # the seeds differ, so the data and the scores differ
    assert real["n_edges"].iloc[0] != real["n_edges"].iloc[1]
    with pytest.raises(ValueError, match="toy-permuted"):
        run_benchmark(["tiny"], "baseline", 1)
    with pytest.raises(ValueError, match="valid: .*shrinkage"):
        run_benchmark(["toy"], "baseline", 1, backend_params={"baseline": {"bogus": 1}})
    with pytest.raises(ValueError, match="seeds"):
        run_benchmark(["toy"], "baseline", 0)


def test_failed_runs_are_recorded_or_raised(tmp_path, capsys):
    from sklearn.exceptions import FitFailedWarning

    # a parameter fit would refuse is refused before any run starts
    with pytest.raises(ValueError, match="alpha and fdr are both None"):
        run_benchmark("toy", "baseline", 1, backend_params={"baseline": {"fdr": None}})
    broken = {"latent": {"n_components": 5000}}  # valid parameters, too many for the data
    with pytest.warns(FitFailedWarning, match="1 of 1 benchmark runs failed"):
        runs = run_benchmark("toy", "latent", 1, backend_params=broken)
    assert runs["status"].tolist() == ["error"] and np.isnan(runs["recovery"][0])
    assert "n_components=5000 exceeds" in runs["error"][0]
    with pytest.raises(ValueError, match="n_components=5000 exceeds"):
        run_benchmark("toy", "latent", 1, backend_params=broken, error_score="raise")
    # the command refuses a parameter fit would refuse before running anything
    code, _, err = run(capsys, "benchmark", "--config-name", "quick", "--output-dir",
                       str(tmp_path / "a"), "--", "backend=baseline", "suite=toy",
                       "baseline.fdr=null", "verbose=0")
    assert code == 1 and err.count("\n") == 1 and "alpha and fdr are both None" in err
    assert not (tmp_path / "a").exists()
    # a run that fails in fit: the report is written, one line says so, exit non-zero
    code, _, err = run(capsys, "benchmark", "--config-name", "quick", "--output-dir",
                       str(tmp_path / "b"), "--", "backend=latent", "suite=toy",
                       "latent.n_components=5000", "verbose=0")
    assert code == 1 and err.count("\n") == 1 and "1 of 1 runs failed" in err
    assert "n_components=5000 exceeds" in (tmp_path / "b" / "benchmark.md").read_text()


def test_benchmark_writes_json_markdown_and_figure(tmp_path, capsys):
    import matplotlib.image as mpimg

    out_dir = tmp_path / "bench"
    code, out, err = run(capsys, "benchmark", "--config-name", "quick", "--output-dir",
                         str(out_dir), "--", "backend=baseline", "suite=[toy,toy-permuted]",
                         "seeds=2", "verbose=0", "baseline.shrinkage=0.8")
    assert code == 0, err
    report = json.loads((out_dir / "benchmark.json").read_text())
    assert len(report["runs"]) == 4 and report["config"]["seeds"] == 2
    assert {r["suite"] for r in report["summary"]} == {"toy", "toy-permuted"}
    direct = run_benchmark(["toy"], "baseline", 2, backend_params={"baseline": {"shrinkage": 0.8}})
    got = [r["recovery"] for r in report["runs"] if r["suite"] == "toy"]
    np.testing.assert_allclose(got, direct["recovery"])
    markdown = (out_dir / "benchmark.md").read_text()
    assert "| suite | backend |" in markdown and "| toy-permuted | baseline |" in markdown
    assert "| toy | baseline |" in out
    # the permuted runs' empty results are listed, not streamed as warnings
    warned = [r for r in report["runs"] if r["warnings"]]
    assert {r["suite"] for r in warned} == {"toy-permuted"}
    assert "## Warnings" in markdown and "EmptyResultWarning: no module" in markdown
    assert f"{len(warned)} of 4 runs raised warnings: see benchmark.md" in out
    image = mpimg.imread(out_dir / "benchmark.png")
    assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0.01
    assert pd.read_csv(out_dir / "runs.csv").shape[0] == 4
    # an existing report is kept unless --overwrite
    code, _, err = run(capsys, "benchmark", "--config-name", "quick", "--output-dir",
                       str(out_dir), "--", "backend=baseline", "suite=toy")
    assert code == 1 and "--overwrite" in err


def test_compare_prints_a_table(dataset, tmp_path, capsys):
    out_dir = tmp_path / "cmp"
    code, out, err = run(capsys, "compare", "--dataset-path", str(dataset), "--backends",
                         "baseline,latent", "--output-dir", str(out_dir), "--", *FAST,
                         "latent.n_components=3")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| backend |") and "recovery" in lines[0]
    assert [line.split("|")[1].strip() for line in lines[1:]] == ["baseline", "latent"]
    report = json.loads((out_dir / "comparison.json").read_text())
    assert report["scored_against_truth"] and len(report["results"]) == 2
    for name in ("baseline", "latent"):
        assert (out_dir / name / "modules.parquet").is_file()


@pytest.mark.slow
def test_runs_on_a_local_dask_cluster(dataset, capsys):
    distributed = pytest.importorskip("distributed")
    params = {"baseline": {"shrinkage": 0.8}}
    # two threads: joblib runs a one-slot backend sequentially in the caller
    serial = run_benchmark(["toy"], "baseline", 2, backend_params=params)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            with distributed.get_task_stream(client) as stream:
                with joblib.parallel_config(backend="dask"):
                    on_dask = run_benchmark(["toy"], "baseline", 2, n_jobs=-1,
                                            backend_params=params)
            assert len(stream.data) >= 2  # the runs went through the scheduler
            pd.testing.assert_series_equal(on_dask["recovery"], serial["recovery"])
            table, results = compare_backends(IsoformData.read(dataset), ["baseline"],
                                              backend_params=params)
            with distributed.get_task_stream(client) as stream:
                code, out, err = run(capsys, "compare", "--dataset-path", str(dataset),
                                     "--backends", "baseline", "--", *FAST,
                                     f"dask_scheduler={cluster.scheduler_address}")
            assert code == 0, err
            assert len(stream.data) >= 1
            assert f"| baseline | ok | {table['n_predicted_modules'][0]} |" in out


@pytest.mark.slow
def test_config_tree_works_from_an_installed_wheel(tmp_path):
    root = Path(isograph.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    shutil.copytree(root / "isograph", src / "isograph",
                    ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist")], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("isograph-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "-q", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True)
    code = ("import isograph.cli as c; from isograph.cli import load_config; "
            "cfg = load_config('quick', ['vae=quick']); "
            "print(c.__file__, cfg['vae']['max_epochs'], cfg['suite'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(str(tmp_path / "site")) and "60 ['toy'" in done.stdout


def test_fit_without_backend_picks_by_sample_count_and_records_it(tmp_path, capsys):
    data_dir = tmp_path / "few"
    assert main(["simulate", "--preset", "toy", "--output-dir", str(data_dir), "--",
                 "generator.n_samples=30"]) == 0
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "fit", "--dataset-path", str(data_dir), "--output-dir",
                         str(out_dir), "--", "covariates=[batch]")
    assert code == 0, err
    assert "backend auto: latent (30 samples < 50" in out
    config = json.loads((out_dir / "fit_config.json").read_text())
    assert config["backend"] == "latent"
    assert config["backend_choice"]["requested"] == "auto"
    assert config["backend_params"]["random_state"] == 0  # the YAML seed of the chosen backend
