"""Benchmark runner: suites x backends x seeds through joblib (and so Dask).

Argument checks, the fits and the result tables; each suite's dataset comes
from ``_suites`` and each row's module counts and scores from ``_scoring``.
"""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Mapping, Sequence

import pandas as pd
from joblib import Parallel, delayed
from sklearn.exceptions import FitFailedWarning
from tqdm.auto import tqdm

from .._core._warn import warn
from ..data import IsoformData
from ._scoring import SCORES, module_summary, score_against_truth
from ._suites import make_suite_dataset, parse_suite

__all__ = ["compare_backends", "run_benchmark"]


def _backend_kwargs(params: Mapping, seed) -> dict:
    """The backend's parameters with ``random_state`` set to ``seed`` when left unset."""
    kwargs = dict(params)
    if "random_state" in kwargs and kwargs["random_state"] is None:
        kwargs["random_state"] = seed
    return kwargs


def _fit_one(data, backend, params, *, covariates, channels, traits=None):
    from .._workflow import fit_dataset

    started = time.perf_counter()
    result = fit_dataset(data, backend, covariates=covariates, channels=channels,
                         traits=traits, **params)
    return result, time.perf_counter() - started


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: " + "; ".join(
        line.strip() for line in str(exc).splitlines() if line.strip())


def _run_one(index, suite, backend, seed, params, covariates, channels, error_score) -> dict:
    """One benchmark run (executed in a joblib worker)."""
    started = time.perf_counter()
    ds = make_suite_dataset(suite, seed)
    preset, permuted = parse_suite(suite)
    row = {"run": index, "suite": suite, "preset": preset, "permuted": permuted, "seed": seed,
           "backend": backend, "n_samples": ds.data.n_samples, "n_genes": len(ds.genes),
           "generate_seconds": time.perf_counter() - started}
    # a run's warnings go into its row: across many runs, and on permuted suites where
    # an empty result is the expected answer, a stream of them says less than a column
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, wall = _fit_one(ds.data, backend, params, covariates=covariates,
                                    channels=channels)
        except Exception as exc:
            if isinstance(error_score, str) and error_score == "raise":
                raise
            result = exc
    row["warnings"] = _warning_text(caught)
    if isinstance(result, Exception):
        row.update(status="error", error=_error_text(result), wall_seconds=float("nan"))
        row.update({name: error_score for name in SCORES})
        return row
    row.update(status="ok", error=None, wall_seconds=wall,
               feature_seconds=result.calibration.get("feature_seconds"),
               fit_seconds=result.calibration.get("fit_seconds"),
               n_features=int(result.features.shape[1]), n_edges=int(len(result.edges)))
    row.update(module_summary(result.modules))
    row.update(score_against_truth(result.modules, ds.genes))
    return row


def _warning_text(caught) -> str | None:
    """``Category: message`` of each distinct warning of a run, ``None`` when there was none."""
    texts = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
    return " | ".join(texts) or None


def _check_backends(backends, backend_params) -> dict:
    """Validate names and parameters up front (before any worker starts)."""
    from .._core._params import check_parameters
    from ..models._registry import make_backend

    if isinstance(backends, str):
        backends = [backends]
    backends = list(backends)
    if not backends:
        raise ValueError("backends must name at least one backend, got an empty list")
    backend_params = {} if backend_params is None else dict(backend_params)
    stray = sorted(set(backend_params) - set(backends))
    if stray:
        raise ValueError(f"backend_params has entries {stray} for backends that are not run "
                         f"(backends: {backends})")
    for name in backends:
        check_parameters(make_backend(name, **dict(backend_params.get(name) or {})))
    return {name: dict(backend_params.get(name) or {}) for name in backends}


def _check_seeds(seeds) -> list[int]:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got {seeds!r}")
        return list(range(int(seeds)))
    if isinstance(seeds, Sequence) and not isinstance(seeds, str) and seeds and all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0
            for s in seeds):
        return [int(s) for s in seeds]
    raise ValueError(f"seeds must be a positive count or a non-empty list of non-negative "
                     f"integers, got {seeds!r}")


def _collect(tasks, n_jobs, verbose, desc) -> list:
    """Run ``tasks`` with joblib, showing a progress bar as results arrive."""
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    bar = tqdm(total=len(tasks), desc=desc, unit="run", disable=not verbose)
    out = []
    with bar:
        for item in parallel(tasks):
            out.append(item)
            bar.update(1)
    return out


def run_benchmark(
    suites,
    backends,
    seeds,
    *,
    n_jobs: int | None = 1,
    backend_params: Mapping | None = None,
    covariates=("batch", "confounder"),
    channels: str = "both",
    error_score="nan",
    verbose: int = 0,
) -> pd.DataFrame:
    """Fit every backend on every suite for every seed and score the modules.

    Runs go through :class:`joblib.Parallel`, so the active joblib backend
    decides where they execute: processes by default, or a Dask cluster inside
    ``joblib.parallel_config(backend="dask")``.

    Parameters
    ----------
    suites : str or list of str
        Presets of :func:`~isograph.benchmark.make_isoform_dataset`
        (``"toy"``, ``"small"``, ...), each optionally suffixed ``"-permuted"``:
        every gene's samples shuffled independently, so no module is left and
        the largest module found measures false discoveries.
    backends : str or list of str
        Backend names (see ``isograph.models._registry.BACKEND_NAMES``).
    seeds : int or list of int
        A count (seeds ``0 .. seeds - 1``) or explicit seeds. The seed drives the
        data generator and, when a backend's ``random_state`` is ``None``, the
        backend.
    n_jobs : int or None, default=1
        Parallel runs; ``-1`` uses every core (or every Dask worker).
    backend_params : dict, optional
        Backend name -> constructor parameters; checked before anything runs.
    covariates : sequence of str, default=("batch", "confounder")
        Sample columns regressed out of every feature.
    channels : {"both", "switch", "abundance"}, default="both"
    error_score : "raise" or "nan", default="nan"
        ``"raise"`` stops at the first failed fit; ``"nan"`` records the
        failure (``status="error"`` and its message) and warns.
    verbose : int, default=0
        Show a progress bar when positive.

    Returns
    -------
    DataFrame
        One row per run, in suite, backend, seed order: ``suite``, ``preset``,
        ``permuted``, ``seed``, ``backend``, ``status``, ``error``,
        ``wall_seconds`` (features, backend and tables; data generation
        excluded), ``n_predicted_modules``, ``n_assigned_genes``,
        ``largest_module_size``, the scores of
        :func:`~isograph.benchmark.metrics.score_modules` (``nan`` on permuted
        suites), timings and ``warnings`` (the run's warnings, ``" | "``
        separated, ``None`` when there were none: they are recorded, not
        raised).
    """
    if isinstance(suites, str):
        suites = [suites]
    suites = list(suites)
    if not suites:
        raise ValueError("suites must name at least one suite, got an empty list")
    for suite in suites:
        parse_suite(suite)
    seeds = _check_seeds(seeds)
    params = _check_backends(backends, backend_params)
    if not (error_score == "raise" or error_score == "nan"):
        raise ValueError(f"error_score must be 'raise' or 'nan', got {error_score!r}")
    fill = "raise" if error_score == "raise" else float("nan")
    covariates = list(covariates or [])
    tasks = []
    for suite in suites:
        for backend in params:
            for seed in seeds:
                kwargs = _backend_kwargs(params[backend], seed)
                tasks.append(delayed(_run_one)(len(tasks), suite, backend, seed, kwargs,
                                               covariates, channels, fill))
    rows = _collect(tasks, n_jobs, verbose, "benchmark")
    table = pd.DataFrame(rows).sort_values("run").drop(columns="run").reset_index(drop=True)
    failed = table[table["status"] == "error"]
    if len(failed):
        first = failed.iloc[0]
        warn(f"{len(failed)} of {len(table)} benchmark runs failed; first: "
             f"{first['backend']} on {first['suite']} (seed {first['seed']}): "
             f"{first['error']}", FitFailedWarning)
    return table


def _compare_one(data, backend, params, covariates, channels, traits, truth):
    try:
        result, wall = _fit_one(data, backend, params, covariates=covariates,
                                channels=channels, traits=traits)
    except Exception as exc:
        return {"backend": backend, "status": "error", "error": _error_text(exc)}, None
    row = {"backend": backend, "status": "ok", "error": None, "wall_seconds": wall,
           "n_edges": int(len(result.edges))}
    row.update(module_summary(result.modules))
    if truth is not None:
        row.update(score_against_truth(result.modules, truth))
    return row, result


def compare_backends(
    data: IsoformData,
    backends,
    *,
    truth: pd.DataFrame | None = None,
    n_jobs: int | None = 1,
    backend_params: Mapping | None = None,
    covariates=None,
    channels: str = "both",
    traits=None,
) -> tuple[pd.DataFrame, dict]:
    """Fit several backends on one dataset, side by side.

    Parameters
    ----------
    data : IsoformData
    backends : str or list of str
    truth : DataFrame, optional
        Indexed by gene id with ``module_id`` (and optionally ``role``), e.g.
        ``SyntheticDataset.genes``; adds the module scores.
    n_jobs : int or None, default=1
        Backends fitted in parallel through joblib.
    backend_params : dict, optional
        Backend name -> constructor parameters; checked before anything runs.
    covariates, channels, traits
        As in :func:`isograph.fit_dataset`.

    Returns
    -------
    table : DataFrame
        One row per backend: ``status``, ``error``, ``wall_seconds``,
        ``n_edges``, ``n_predicted_modules``, ``n_assigned_genes``,
        ``largest_module_size`` and, with ``truth``, the scores.
    results : dict
        Backend name -> :class:`~isograph.FitResult` of the fits that succeeded.
    """
    if not isinstance(data, IsoformData):
        raise TypeError(f"data must be an IsoformData, got {type(data).__name__}")
    params = _check_backends(backends, backend_params)
    tasks = [delayed(_compare_one)(data, name, kwargs, list(covariates or []), channels,
                                   traits, truth) for name, kwargs in params.items()]
    out = Parallel(n_jobs=n_jobs)(tasks)
    table = pd.DataFrame([row for row, _ in out])
    results = {row["backend"]: res for row, res in out if res is not None}
    return table, results
