"""The subcommands: fit, simulate, compare, benchmark (thin shells over the library)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pandas as pd

from .._core import OutputFolder
from .._result import FIT_MARKER, to_jsonable
from ._aliases import canonical_overrides
from ._config import CliError, as_list, backend_params, column_list, load_config
from ._report import comparison_table, summarize, summary_markdown, write_benchmark_report

#: Where ``isograph simulate`` puts the planted truth inside a dataset folder.
TRUTH_DIR = "truth"


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def check_output_dir(path, *, overwrite: bool, marker: str, what: str) -> OutputFolder:
    """``--output-dir`` as an :class:`~isograph._core.OutputFolder`, checked now.

    A missing or empty folder is fine. A non-empty one needs ``overwrite`` and
    must hold ``marker`` (the file that shows it is an earlier ``what``), so
    ``--overwrite`` never deletes an unrelated folder. Entering the returned
    folder takes the lock and checks again; messages name the flags.
    """
    folder = OutputFolder(path, marker=marker, what=what, overwrite=overwrite,
                          param="--output-dir", flag="--overwrite")
    try:  # the shared rule: also refuses a file, the cwd and an unwritable place
        folder.check()
    except OSError as exc:
        raise CliError(str(exc)) from None
    return folder


def _seed(cfg: dict, backend: str, params: dict) -> None:
    """Draw and record a seed when ``random_state`` is null, so the run can be repeated.

    ``fit_config.json`` then holds the seed actually used (in ``backend_params``
    and in the recorded config) instead of ``null``.
    """
    if "random_state" in params and params["random_state"] is None:
        import numpy as np

        seed = int(np.random.SeedSequence().entropy % 2**31)
        params["random_state"] = seed
        cfg[backend] = dict(cfg.get(backend) or {}, random_state=seed)


def check_backend(name: str, params: dict) -> None:
    """Fail early, in one line, on an unknown or unavailable backend or parameter."""
    from .._core._params import check_parameters
    from ..models._registry import make_backend

    try:
        check_parameters(make_backend(name, **params))
    except ImportError as exc:
        raise CliError(f"backend {name!r} is not available in this installation: {exc}") from None


def read_truth(dataset_path) -> pd.DataFrame | None:
    """The planted truth (genes table) that ``isograph simulate`` stored, if any."""
    file = Path(dataset_path) / TRUTH_DIR / "genes.parquet"
    return pd.read_parquet(file) if file.is_file() else None


@contextmanager
def dask_context(address):
    """Route joblib through a Dask cluster at ``address`` (no-op when ``None``)."""
    if address is None:
        yield
        return
    import joblib

    try:
        from distributed import Client
    except ImportError:
        raise CliError("dask_scheduler needs dask.distributed: "
                       "pip install 'isograph[dask]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CliError(f"cannot connect to the Dask scheduler at {address!r}: {exc}") from None
    # n_jobs=None (the configs' default) then means every thread of the cluster
    with client, joblib.parallel_config(backend="dask", n_jobs=-1):
        yield


def _read_dataset(path):
    from ..data import read_dataset

    return read_dataset(path)


# ------------------------------------------------------------------------- fit
def _backend_params(cfg: dict, *, quiet: bool) -> tuple[str, dict]:
    """The backend named in ``cfg`` and its parameters (seed drawn and recorded), checked."""
    backend = cfg["backend"]
    params = backend_params(cfg, backend)
    _seed(cfg, backend, params)
    if params.get("verbose") == 0 and not quiet and sys.stderr.isatty():
        # long VAE training shows its progress bar on a terminal; --quiet silences it
        params["verbose"] = cfg[backend]["verbose"] = 1
    check_backend(backend, params)
    return backend, params


def run_fit(args, overrides) -> int:
    """``isograph fit``: one backend on one dataset folder; writes the artifacts."""
    from .._workflow import fit_dataset

    folder = check_output_dir(args.output_dir, overwrite=args.overwrite, marker=FIT_MARKER,
                              what="an isograph fit output")
    cli_overrides = [f"backend={args.backend}"] if args.backend else []
    cfg = load_config("fit", cli_overrides + list(overrides))
    cfg["covariates"] = column_list(cfg["covariates"], "covariates")
    cfg["traits"] = column_list(cfg["traits"], "traits")
    auto = cfg["backend"] == "auto"
    if not auto:  # a named backend's parameters are checked before the dataset is read
        backend, params = _backend_params(cfg, quiet=args.quiet)
    # held from here to the end: a second writer of --output-dir fails now, not after the fit
    with folder as tmp:
        data = _read_dataset(args.dataset_path)
        if auto:
            from .._workflow import choose_backend

            cfg["backend"], reason = choose_backend(data.n_samples)
            _emit(f"backend auto: {cfg['backend']} ({reason}; --backend NAME to choose)")
            backend, params = _backend_params(cfg, quiet=args.quiet)
        result = fit_dataset(data, backend, covariates=cfg["covariates"],
                             channels=cfg["channels"], traits=cfg["traits"],
                             validate=cfg["validate"],
                             expression_filter=cfg.get("expression_filter", True),
                             sample_qc=cfg.get("sample_qc", True), **params)
        if auto:
            result.config["backend_choice"] = {"requested": "auto", "chosen": backend,
                                               "reason": reason}
        from ..models._registry import BACKEND_NAMES

        used = {k: v for k, v in cfg.items() if k not in BACKEND_NAMES or k == backend}
        dataset_path = str(Path(args.dataset_path).resolve())
        # IsoGraph aliases (vae.hidden_dim ...) are recorded under our names
        result.config["cli"] = {"command": "fit", "dataset_path": dataset_path,
                                "overrides": canonical_overrides(overrides, cfg),
                                "config": used}
        result._write_artifacts(tmp)
    modules = result.modules
    n_assigned = int(modules.loc[modules["module_id"] >= 0, "gene_id"].nunique())
    _emit(f"{backend}: {result.model.n_modules_} modules, {n_assigned} of "
          f"{modules['gene_id'].nunique()} genes assigned, {len(result.edges)} edges; "
          f"wrote {args.output_dir}")
    return 0


# -------------------------------------------------------------------- simulate
def run_simulate(args, overrides) -> int:
    """``isograph simulate``: a synthetic dataset folder with its truth."""
    from ..benchmark import make_isoform_dataset
    from ..data import write_dataset

    cli_overrides = [f"preset={args.preset}"] if args.preset else []
    cfg = load_config("simulate", cli_overrides + list(overrides))
    folder = check_output_dir(args.output_dir, overwrite=args.overwrite,
                              marker="manifest.json", what="a dataset folder")
    generator = {k: v for k, v in (cfg["generator"] or {}).items() if v is not None}
    ds = make_isoform_dataset(cfg["preset"], random_state=cfg["random_state"], **generator)
    with folder as tmp:
        write_dataset(ds.data, tmp)
        truth = tmp / TRUTH_DIR
        truth.mkdir()
        ds.genes.to_parquet(truth / "genes.parquet")
        latents = ds.module_latents.copy()
        latents.columns = [str(c) for c in latents.columns]
        latents.to_parquet(truth / "module_latents.parquet")
        (truth / "params.json").write_text(json.dumps(to_jsonable(ds.params), indent=2))
    sizes = ds.params["module_sizes"]
    _emit(f"{cfg['preset']}: {ds.data.n_samples} samples, {len(ds.genes)} genes, "
          f"{ds.data.transcript_counts.shape[1]} transcripts, {len(sizes)} planted modules "
          f"(sizes {sizes}); wrote {args.output_dir}")
    return 0


# --------------------------------------------------------------------- compare
def run_compare(args, overrides) -> int:
    """``isograph compare``: several backends on one dataset, printed side by side."""
    from ..benchmark._runner import compare_backends

    cli_overrides = [f"backend=[{args.backends}]"] if args.backends else []
    cfg = load_config("compare", cli_overrides + list(overrides))
    backends = as_list(cfg["backend"], "backend")
    params = {name: backend_params(cfg, name) for name in backends}
    for name in backends:
        check_backend(name, params[name])
    folder = nullcontext()
    if args.output_dir is not None:
        folder = check_output_dir(args.output_dir, overwrite=args.overwrite,
                                  marker="comparison.json", what="an isograph compare output")
    # held from here to the end: a second writer of --output-dir fails now, not after the fits
    with folder as tmp:
        data = _read_dataset(args.dataset_path)
        truth = read_truth(args.dataset_path)
        with dask_context(cfg["dask_scheduler"]):
            table, results = compare_backends(
                data, backends, truth=truth, n_jobs=cfg["n_jobs"], backend_params=params,
                covariates=column_list(cfg["covariates"], "covariates"),
                channels=cfg["channels"], traits=column_list(cfg["traits"], "traits"))
        _emit(comparison_table(table))
        if tmp is not None:
            for name, result in results.items():
                result.save(tmp / name)
            report = {"config": cfg, "dataset_path": str(args.dataset_path),
                      "scored_against_truth": truth is not None,
                      "results": table.to_dict(orient="records")}
            (tmp / "comparison.json").write_text(json.dumps(to_jsonable(report), indent=2))
            (tmp / "comparison.md").write_text(comparison_table(table))
    if args.output_dir is not None:
        _emit(f"wrote {args.output_dir}")
    return _failures(table, "compare")


def _failures(table: pd.DataFrame, command: str) -> int:
    failed = table[table["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        sys.stderr.write(f"isograph {command}: error: {len(failed)} of {len(table)} runs "
                         f"failed; first ({first['backend']}): {first['error']}\n")
        return 1
    return 0


# ------------------------------------------------------------------- benchmark
def run_benchmark_command(args, overrides) -> int:
    """``isograph benchmark``: suites x backends x seeds; report JSON, markdown, figure."""
    import warnings

    from sklearn.exceptions import FitFailedWarning

    from ..benchmark._runner import run_benchmark

    cfg = load_config(args.config_name, list(overrides))
    missing = [k for k in ("suite", "backend", "seeds", "output_dir") if k not in cfg]
    if missing:
        raise CliError(f"config {args.config_name!r} is not a benchmark config "
                       f"(it lacks {missing})")
    output_dir = args.output_dir if args.output_dir is not None else cfg["output_dir"]
    folder = check_output_dir(output_dir, overwrite=args.overwrite, marker="benchmark.json",
                              what="an isograph benchmark output")
    suites = as_list(cfg["suite"], "suite")
    backends = as_list(cfg["backend"], "backend")
    params = {name: backend_params(cfg, name) for name in backends}
    for name in backends:
        check_backend(name, params[name])
    # held from here to the end: a second writer of the folder fails now, not after the runs
    with folder as tmp:
        with dask_context(cfg["dask_scheduler"]), warnings.catch_warnings():
            warnings.simplefilter("ignore", FitFailedWarning)  # reported below, in one line
            runs = run_benchmark(suites, backends, cfg["seeds"], n_jobs=cfg["n_jobs"],
                                 backend_params=params,
                                 covariates=column_list(cfg["covariates"], "covariates"),
                                 channels=cfg["channels"], verbose=cfg["verbose"])
        cfg = dict(cfg, output_dir=str(output_dir), config_name=args.config_name)
        files = write_benchmark_report(tmp, runs, cfg)
    _emit(summary_markdown(summarize(runs)))
    n_warned = int(runs["warnings"].notna().sum())
    if n_warned:
        _emit(f"{n_warned} of {len(runs)} runs raised warnings: see {files['md'].name}")
    _emit(f"wrote {', '.join(str(Path(output_dir) / f.name) for f in files.values())}")
    return _failures(runs, "benchmark")
