"""Fault injection (issue 17): kills, concurrent writers, bad output paths, broken files.

Each test reproduces one case of "nothing lost, ever". Processes are killed for
real (``os.kill`` in a child Python); the WGCNA cases run real R and check with
``ps`` that no R process is left. Nothing outside ``tmp_path`` is written: the
CLI tests run in an empty working directory whose listing is compared after.
"""

import inspect
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from isograph import FitResult
from isograph.cli import main as isograph_main
from isograph.data import IsoformData, read_dataset, write_dataset

ENV = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))


def tiny_data(scale=1) -> IsoformData:
    counts = pd.DataFrame(np.arange(1, 21).reshape(4, 5) * scale,
                          index=pd.Index([f"s{i}" for i in range(4)], name="sample_id"),
                          columns=pd.Index([f"t{i}" for i in range(5)], name="transcript_id"))
    transcripts = pd.DataFrame({"transcript_id": counts.columns,
                                "gene_id": ["g1", "g1", "g2", "g2", "g3"]})
    return IsoformData(counts, transcripts)


def hidden(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def wait_for(predicate, timeout=60.0):
    """Poll ``predicate`` (process states change asynchronously; no fixed sleeps)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


@pytest.fixture
def empty_cwd(tmp_path, monkeypatch):
    """Run in an empty working directory and check that nothing appears in it."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    yield cwd
    assert list(cwd.iterdir()) == []


# ------------------------------------------------------------ kills while saving
# (the kill points inside the output-folder mechanism: tests/internal/test_output_folder.py)
DATASET_CHILD = r"""
import os, signal, sys
import numpy as np
import pandas as pd
from isograph.data import IsoformData, write_dataset
real = pd.DataFrame.to_parquet
calls = []
def to_parquet(self, *args, **kwargs):  # killed after the first table is written
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, *args, **kwargs)
pd.DataFrame.to_parquet = to_parquet
write_dataset(tiny_data(scale=2), sys.argv[1], overwrite=True)
"""


def test_killed_dataset_write_leaves_the_old_folder_and_no_litter(tmp_path):
    target = tmp_path / "ds"
    write_dataset(tiny_data(), target)
    source = DATASET_CHILD.replace("from isograph.data import IsoformData, write_dataset\n",
                                   "from isograph.data import IsoformData, write_dataset\n"
                                   + inspect.getsource(tiny_data))
    child = subprocess.run([sys.executable, "-c", source, str(target)], env=ENV,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    pd.testing.assert_frame_equal(read_dataset(target).transcript_counts,
                                  tiny_data().transcript_counts, check_dtype=False)
    write_dataset(tiny_data(scale=3), target, overwrite=True)  # the next run sweeps
    assert os.listdir(tmp_path) == ["ds"]
    assert read_dataset(target).transcript_counts.iloc[0, 0] == 3


SWAP_CHILD = r"""
import os, signal, sys
import pandas as pd
from isograph import FitResult
calls = []
def dying(real):
    def rename(*args, **kwargs):  # the second rename of a save: old moved away, new not in
        calls.append(args)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return rename
os.rename, os.replace = dying(os.rename), dying(os.replace)
result = tiny_result()
result.config = {"run": "second"}
result.save(sys.argv[1], overwrite=True)
"""


def test_kill_during_the_swap_of_a_fit_save_keeps_a_result(tmp_path):
    target = tmp_path / "fit"
    tiny_result().save(target)
    source = SWAP_CHILD.replace("calls = []\n", "calls = []\n" + inspect.getsource(tiny_result))
    child = subprocess.run([sys.executable, "-c", source, str(target)], env=ENV,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode in (0, -signal.SIGKILL), child.stderr
    config = (target / "fit_config.json").read_text()  # old or new, never nothing
    assert '"first"' in config or '"second"' in config
    with pytest.raises(FileExistsError):
        tiny_result().save(target)  # the next run: refused, but it sweeps
    assert os.listdir(tmp_path) == ["fit"]


# ------------------------------------------------------------ concurrent writers
def tiny_result() -> FitResult:
    frame = pd.DataFrame({"gene_id": ["g1"], "module_id": [0]})
    return FitResult(model=None, features=pd.DataFrame(), modules=frame, edges=frame,
                     eigengenes=pd.DataFrame({"M0": [0.0]}), traits=frame,
                     feature_scores=frame, module_gene_roles=None, calibration={},
                     config={"run": "first"})


def test_two_saves_into_one_folder_cannot_both_succeed(tmp_path, monkeypatch):
    target, outcomes = tmp_path / "fit", []
    first, second = tiny_result(), tiny_result()
    second.config = {"run": "second"}
    real = pd.DataFrame.to_parquet

    def to_parquet(self, *args, **kwargs):  # the second save runs while the first writes
        if not outcomes:
            outcomes.append("started")
            try:
                second.save(target)
                outcomes.append("second saved")
            except OSError as exc:
                outcomes.append(str(exc))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)
    try:
        first.save(target)
        outcomes.append("first saved")
    except OSError as exc:
        outcomes.append(str(exc))
    saved = [o for o in outcomes if o.endswith("saved")]
    assert len(saved) == 1, outcomes
    assert "being written by another process" in outcomes[1]
    assert '"first"' in (target / "fit_config.json").read_text()
    assert os.listdir(tmp_path) == ["fit"]


def _cli(capsys, *argv):
    code = isograph_main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def another_writer(monkeypatch):
    """``during(target, action)``: run ``action`` while a dataset is being written into
    ``target`` (as a second process would see it: the target locked, not yet in place)."""
    def during(target, action):
        real, done = pd.DataFrame.to_parquet, []

        def to_parquet(self, *args, **kwargs):
            if not done:
                done.append(action())
            return real(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(pd.DataFrame, "to_parquet", to_parquet)
            write_dataset(tiny_data(), target)
        return done[0]

    return during


# The dataset folders below do not exist: an error that names --output-dir came
# before the dataset was read, so before any fit.
def test_fit_into_a_folder_being_written_fails_before_fitting(tmp_path, capsys, empty_cwd,
                                                              another_writer):
    out = tmp_path / "out"
    code, stdout, err = another_writer(out, lambda: _cli(capsys, "fit", "--dataset-path",
                                                         tmp_path / "ds", "--output-dir", out))
    assert code == 1 and stdout == "" and err.count("\n") == 1
    assert "--output-dir" in err and "being written by another process" in err
    pd.testing.assert_frame_equal(read_dataset(out).transcript_counts,  # the writer finished
                                  tiny_data().transcript_counts, check_dtype=False)


@pytest.mark.parametrize("command", [["compare", "--backends", "latent"],
                                     ["benchmark", "--config-name", "quick"]])
def test_compare_and_benchmark_into_a_folder_being_written_fail_before_running(
        tmp_path, capsys, empty_cwd, another_writer, command):
    out = tmp_path / "out"
    if command[0] == "compare":
        command = [*command, "--dataset-path", tmp_path / "ds"]
    code, stdout, err = another_writer(out, lambda: _cli(capsys, *command, "--output-dir", out))
    assert code == 1 and stdout == "" and err.count("\n") == 1
    assert "--output-dir" in err and "being written by another process" in err
    pd.testing.assert_frame_equal(read_dataset(out).transcript_counts,  # the writer finished
                                  tiny_data().transcript_counts, check_dtype=False)


@pytest.mark.parametrize("where", [".", "sub/..", "file/out", ".."])
def test_fit_refuses_cwd_and_impossible_output_before_fitting(tmp_path, capsys, empty_cwd,
                                                              where):
    if where == "file/out":
        (tmp_path / "file").write_text("notes")
        where = tmp_path / "file" / "out"
    code, stdout, err = _cli(capsys, "fit", "--dataset-path", tmp_path / "ds",
                             "--output-dir", where, "--overwrite")
    assert code == 1 and stdout == "" and err.count("\n") == 1 and "--output-dir" in err
    if where != tmp_path / "file" / "out":
        assert "current" in err
    else:
        assert (tmp_path / "file").read_text() == "notes"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write anywhere: no unwritable folder to test with")
def test_unwritable_output_dir_fails_before_fitting(tmp_path, capsys, empty_cwd):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = _cli(capsys, "fit", "--dataset-path", tmp_path / "ds",
                            "--output-dir", locked / "out")
    finally:
        locked.chmod(0o755)
    assert code == 1 and "not writable" in err and "--output-dir" in err


# ------------------------------------------------------------ CLI values and seeds
def test_hydra_list_without_brackets_is_one_column(tmp_path, capsys, empty_cwd):
    import json

    data = tmp_path / "toy"
    assert _cli(capsys, "simulate", "--preset", "toy", "--output-dir", data)[0] == 0
    code, _, err = _cli(capsys, "fit", "--dataset-path", data, "--output-dir", tmp_path / "fit",
                        "--backend", "baseline", "--", "baseline.shrinkage=0.8",
                        "covariates=batch", "traits=trait")
    assert code == 0, err
    config = json.loads((tmp_path / "fit" / "fit_config.json").read_text())
    assert config["covariates"] == ["batch"] and config["traits"] == ["trait"]
    traits = pd.read_parquet(tmp_path / "fit" / "traits.parquet")
    assert set(traits["trait"]) == {"trait"}  # one column, not its letters
    code, _, err = _cli(capsys, "fit", "--dataset-path", data, "--output-dir",
                        tmp_path / "out", "--", "covariates=3")
    assert code == 1 and "covariates=[batch]" in err
    assert not (tmp_path / "out").exists()


def test_fit_records_the_seed_it_used_and_the_record_repeats_the_run(tmp_path, capsys,
                                                                     empty_cwd):
    import json

    data = tmp_path / "toy"
    assert _cli(capsys, "simulate", "--preset", "toy", "--output-dir", data)[0] == 0
    fast = ["baseline.shrinkage=0.8", "covariates=[batch,confounder]"]

    def fit(name, *extra):
        args = ["fit", "--dataset-path", data, "--output-dir", tmp_path / name,
                "--backend", "baseline", "--", *fast, *extra]
        assert _cli(capsys, *args)[0] == 0
        config = json.loads((tmp_path / name / "fit_config.json").read_text())
        return config, pd.read_parquet(tmp_path / name / "modules.parquet")

    config, _ = fit("default")
    assert config["backend_params"]["random_state"] == 0  # an explicit default seed
    config, modules = fit("drawn", "baseline.random_state=null")
    seed = config["backend_params"]["random_state"]
    assert isinstance(seed, int) and config["cli"]["config"]["baseline"]["random_state"] == seed
    _, again = fit("again", f"baseline.random_state={seed}")
    pd.testing.assert_frame_equal(modules, again)


# ------------------------------------------------------------ checkpoints
@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"not a checkpoint"])
def test_empty_or_corrupt_checkpoint_names_the_file(tmp_path, content):
    pytest.importorskip("torch")
    from isograph.models import load_checkpoint

    path = tmp_path / "vae_checkpoint.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="vae_checkpoint.pt") as info:
        load_checkpoint(path)
    assert "fit again" in str(info.value)


# ------------------------------------------------------------ regnet
def _regnet(capsys, *argv):
    from regnet.cli import main

    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, f"{code} {err}"


@pytest.fixture(scope="module")
def beeline(tmp_path_factory):
    from tests.regnet.test_model import planted, write_beeline

    X, train, test, tfs = planted()
    folder = tmp_path_factory.mktemp("regnet") / "beeline"
    write_beeline(folder, X, pd.concat([train, test.loc[test["Label"] == 1, ["TF", "Target"]]]),
                  tfs)
    return folder


@pytest.mark.parametrize("case", ["cwd", "folder", "file"])
def test_regnet_overwrite_never_deletes_what_regnet_did_not_write(tmp_path, capsys, monkeypatch,
                                                                  beeline, case):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    out = {"cwd": ".", "folder": work, "file": work / "notes.txt"}[case]
    code, message = _regnet(capsys, "train", "--data", beeline, "--out", out, "--overwrite",
                            "--max-epochs", "2", "--hidden-channels", "8",
                            "--latent-channels", "4", "--heads", "2", "--quiet")
    assert code != 0 and "--out" in message
    assert os.listdir(work) == ["notes.txt"] and (work / "notes.txt").read_text() == "mine"
    assert os.listdir(tmp_path) == ["work"]


def test_regnet_train_into_a_folder_being_written_fails_before_training(tmp_path, capsys,
                                                                       beeline, another_writer):
    out = tmp_path / "out"
    code, message = another_writer(out, lambda: _regnet(
        capsys, "train", "--data", beeline, "--output-dir", out, "--max-epochs", "2",
        "--hidden-channels", "8", "--latent-channels", "4", "--heads", "2", "--quiet"))
    assert code == 1 and "being written by another process" in message
    assert "manifest.json" in os.listdir(out) and sorted(os.listdir(tmp_path)) == ["out"]


@pytest.mark.slow
def test_regnet_save_replaces_only_its_own_folder(tmp_path, monkeypatch, one_torch_thread):
    from regnet import RegNet
    from tests.regnet.test_model import planted

    X, train, _, tfs = planted()
    model = RegNet(8, latent_channels=4, heads=2, max_epochs=2, random_state=0, verbose=0)
    model.fit(X, train, tfs=tfs)
    model.save(tmp_path / "model")
    model.save(tmp_path / "model")  # its own folder: replaced whole
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a RegNet.save folder"):
        model.save(notes)
    assert os.listdir(notes) == ["keep.txt"]
    monkeypatch.chdir(notes)
    with pytest.raises(IsADirectoryError, match="current directory"):
        model.save(".")
    assert os.listdir(notes) == ["keep.txt"]
    assert sorted(os.listdir(tmp_path)) == ["model", "notes"]


# ------------------------------------------------------------ WGCNA's R child
WGCNA_CHILD = r"""
import numpy as np
from isograph.models import WgcnaNetworkModel
X = np.random.default_rng(0).normal(size=(30, 300))
WgcnaNetworkModel(min_module_size=5, n_threads=1).fit(X)
"""


def _skip_without_wgcna():
    exe = shutil.which("Rscript")
    if exe is None:
        pytest.skip("needs Rscript on PATH (R with the WGCNA and jsonlite packages)")
    check = subprocess.run([exe, "-e", "library(WGCNA); library(jsonlite)"],
                           capture_output=True, timeout=120)
    if check.returncode != 0:
        pytest.skip("needs the WGCNA and jsonlite R packages")


def processes_with(tag: str) -> list[int]:
    listing = subprocess.run(["ps", "-ww", "-eo", "pid=,args="], capture_output=True,
                             text=True).stdout
    return [int(line.split(None, 1)[0]) for line in listing.splitlines() if tag in line]


@pytest.mark.r
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_python_during_a_wgcna_fit_ends_r(tmp_path, sig, monkeypatch):
    import tempfile

    from isograph.models import WgcnaError, WgcnaNetworkModel

    _skip_without_wgcna()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    child = subprocess.Popen([sys.executable, "-c", WGCNA_CHILD],
                             env=dict(ENV, TMPDIR=str(scratch)),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tag = str(scratch)  # in R's command line: its input folder, under $TMPDIR
    try:
        assert wait_for(lambda: processes_with(tag), timeout=180), "R never started"
        os.kill(child.pid, sig)
        assert child.wait(timeout=60) == -sig
        assert wait_for(lambda: not processes_with(tag), timeout=30), "R outlived Python"
        left = [p.name for p in scratch.iterdir()]
        if sig == signal.SIGTERM:
            assert left == []  # the handler removed the copy of the data
        else:  # nothing runs after SIGKILL: the next run removes the folder
            assert left and all(str(child.pid) in name for name in left)  # named after it
            monkeypatch.setattr(tempfile, "tempdir", str(scratch))
            X = np.random.default_rng(0).normal(size=(30, 40))
            with pytest.raises(WgcnaError):  # a next fit, here one whose "R" fails at once
                WgcnaNetworkModel(rscript=shutil.which("false")).fit(X)
            assert list(scratch.iterdir()) == []
    finally:
        for pid in processes_with(tag):  # never leave R behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
        if child.poll() is None:
            child.kill()
            child.wait()
