"""fit_dataset: features -> residualization -> backend -> labelled result."""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd

from ._core._params import check_parameters
from ._prepare import check_columns, prepare_counts, uninformative_traits
from ._result import FitResult
from .data import IsoformData
from .data._coerce import as_isoform_data
from .features import CovariateResidualizer, GeneAbundance, MultiplexFeatures, SwitchCoordinates
from .models._base import MIN_SAMPLES
from .models._registry import DEFAULT_BACKEND, backend_name, make_backend
from .network import feature_table, trait_associations

CHANNELS = ("both", "switch", "abundance")


def build_features(data: IsoformData | None, channels: str = "both", *, transcript_to_gene=None):
    """The unfitted feature transformer for ``channels`` (pandas output).

    ``transcript_to_gene`` (e.g. after the expression filter) replaces ``data``'s map.
    """
    if channels not in CHANNELS:
        raise ValueError(f"channels must be one of {list(CHANNELS)}, got {channels!r}")
    t2g = data.transcript_to_gene if transcript_to_gene is None else transcript_to_gene
    cls = {"both": MultiplexFeatures, "switch": SwitchCoordinates,
           "abundance": GeneAbundance}[channels]
    return cls(transcript_to_gene=t2g).set_output(transform="pandas")


def feature_scores(features: pd.DataFrame, model, eigengenes: pd.DataFrame) -> pd.DataFrame:
    """Per feature: gene, channel, module, membership (kME), degree and strength."""
    table = feature_table(features.columns)
    labels = np.asarray(model.labels_)
    Z = features.to_numpy(dtype=np.float64)
    Z = (Z - Z.mean(0)) / np.where(Z.std(0) > 0, Z.std(0), 1.0)
    E = eigengenes.to_numpy(dtype=np.float64)
    kme = np.full(len(table), np.nan)
    if E.shape[1]:
        E = (E - E.mean(0)) / np.where(E.std(0) > 0, E.std(0), 1.0)
        assigned = np.flatnonzero(labels >= 0)
        kme[assigned] = (Z[:, assigned] * E[:, labels[assigned]]).mean(0)
    edges = model.edges_
    names = pd.Index(table["feature"])
    src = names.get_indexer(edges["source"].astype(str))
    dst = names.get_indexer(edges["target"].astype(str))
    w = np.abs(edges["weight"].to_numpy(dtype=np.float64))
    degree = np.bincount(np.r_[src, dst], minlength=len(names))
    strength = np.bincount(np.r_[src, dst], weights=np.r_[w, w], minlength=len(names))
    return pd.DataFrame({
        "feature": table["feature"], "gene_id": table["gene_id"], "channel": table["channel"],
        "module_id": labels, "module_membership": kme, "degree": degree, "strength": strength,
    })


def with_gene_names(table: pd.DataFrame, transcripts: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``gene_name`` column after ``gene_id`` when the annotation has names."""
    if "gene_name" not in transcripts or "gene_id" not in table or "gene_name" in table:
        return table
    names = transcripts.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    out = table.copy()
    out.insert(int(out.columns.get_loc("gene_id")) + 1, "gene_name",
               out["gene_id"].astype(str).map(names.astype(str).to_dict()))
    return out


#: Below this many samples ``backend="auto"`` picks the latent (factor-analysis) backend:
#: a VAE validates on a few held-out samples and caps its latent size at a quarter of the
#: training samples. Measured: on the 24-sample macrophage cohort the VAE put TNF outside
#: the infection module (r = -0.83) where latent kept TNF, IL1B and IL6 together
#: (r = -0.92); on the 60-sample ``toy`` preset the VAE finds every planted module
#: (docs/real_data.md, benchmarks/bench_macrophage.py).
AUTO_VAE_MIN_SAMPLES = 50


def choose_backend(n_samples: int) -> tuple[str, str]:
    """The backend ``backend="auto"`` picks for ``n_samples`` samples, and why."""
    if n_samples >= AUTO_VAE_MIN_SAMPLES:
        return DEFAULT_BACKEND, f"{n_samples} samples >= {AUTO_VAE_MIN_SAMPLES}"
    return "latent", (f"{n_samples} samples < {AUTO_VAE_MIN_SAMPLES}, too few to train "
                      f"and validate the VAE")


def fit_dataset(
    data: IsoformData,
    backend="auto",
    *,
    covariates=None,
    channels: str = "both",
    traits=None,
    expression_filter=True,
    sample_qc=True,
    validate: bool = True,
    transcript_to_gene=None,
    **backend_params,
) -> FitResult:
    """Find gene modules in an :class:`~isograph.data.IsoformData`.

    Flags outlying samples (:class:`~isograph.features.SampleQC`), keeps the
    expressed genes (:class:`~isograph.features.ExpressedGeneFilter`, groups
    from the discrete ``traits``), runs the feature transformer for
    ``channels``, regresses the named sample covariates out of every feature,
    fits the backend and tests module eigengenes against the named traits.

    Parameters
    ----------
    data : IsoformData or anndata.AnnData
        An AnnData is samples x transcripts with ``var["gene_id"]`` (or
        ``transcript_to_gene``); it is converted with
        :func:`~isograph.data.from_anndata`.
    backend : str or estimator, default "auto"
        ``"vae"``, ``"baseline"``, ``"latent"``, ``"graph"``, ``"wgcna"``, or an
        unfitted estimator. ``"auto"`` is the VAE from
        :data:`AUTO_VAE_MIN_SAMPLES` samples on and the latent backend below
        (recorded in ``config["backend_choice"]``); parameters the chosen
        backend lacks raise ``ValueError``: name the backend to pass its own.
    covariates : list of str, optional
        Sample-table columns to regress out (numeric or categorical).
    channels : {"both", "switch", "abundance"}
        Features: both channels (``<gene>::switch`` / ``<gene>::abundance``),
        or one of them (columns are gene ids).
    traits : list of str, optional
        Sample-table columns to test against eigengenes (none by default).
        Their combination (discrete ones) also gives the expression filter's
        groups, so a gene expressed in one condition only is kept. A constant
        or single-level trait is reported (:class:`~isograph.features.TraitWarning`)
        and listed in ``calibration["qc"]["untested_traits"]``.
    expression_filter : bool or ExpressedGeneFilter, default True
        Keep only expressed genes (all their transcripts); ``False`` keeps
        every transcript; an estimator sets the thresholds.
    sample_qc : bool or SampleQC, default True
        Flag samples of outlying depth or zero share
        (:class:`~isograph.features.SampleQCWarning`); they are listed in
        ``calibration["qc"]``, not removed.
    validate : bool
        Check the dataset first (every problem reported at once).
    transcript_to_gene : pandas.Series, pandas.DataFrame or path, optional
        Transcript -> gene map for an AnnData ``data`` without ``var["gene_id"]``.
    **backend_params
        Passed to the backend's constructor.

    Returns
    -------
    FitResult
    """
    data = as_isoform_data(data, transcript_to_gene=transcript_to_gene)  # AnnData too
    covariates = [] if covariates is None else list(covariates)
    traits = [] if traits is None else ([traits] if isinstance(traits, str) else list(traits))
    check_columns(data.samples, covariates, traits)
    choice = None
    if isinstance(backend, str) and backend == "auto":
        backend, reason = choose_backend(data.n_samples)
        choice = {"requested": "auto", "chosen": backend, "reason": reason}
    try:
        model = make_backend(backend, **backend_params)
        check_parameters(model)  # before minutes of feature work, not after
    except ValueError as err:
        if choice is None:
            raise
        raise ValueError(f"backend='auto' chose {backend!r} ({reason}): {err}; "
                         "name the backend to pass its own parameters") from None
    if validate:
        data.validate(min_samples=MIN_SAMPLES)
    untested = uninformative_traits(data.samples, traits)
    started = time.perf_counter()
    counts, t2g, qc_report = prepare_counts(data, traits=traits,
                                            expression_filter=expression_filter,
                                            sample_qc=sample_qc)
    qc_report["untested_traits"] = untested
    featurizer = build_features(data, channels, transcript_to_gene=t2g)
    X = featurizer.fit_transform(counts)
    qc = None
    if covariates:
        residualizer = CovariateResidualizer(covariates=covariates).set_output(transform="pandas")
        X = residualizer.fit_transform(X, covariates=data.samples.loc[X.index, covariates])
        qc = getattr(residualizer, "qc_", None)
    feature_seconds = time.perf_counter() - started
    model.fit(X)
    fit_seconds = time.perf_counter() - started - feature_seconds
    eigengenes = model.eigengenes(X)
    trait_table = trait_associations(eigengenes, data.samples,
                                     traits=[t for t in traits if t not in untested])
    calibration = dict(model.calibration_)
    calibration.update(feature_seconds=feature_seconds, fit_seconds=fit_seconds, qc=qc_report)
    from . import __version__

    config = {
        "backend": backend_name(model),
        "backend_params": model.get_params(deep=False),
        "backend_choice": choice,
        "channels": channels,
        "covariates": covariates,
        "traits": list(traits),
        "isograph_version": __version__,
        "python": platform.python_version(),
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_transcripts": int(data.transcript_counts.shape[1]),
        "expression_filter": qc_report.get("expression_filter"),
        "features": featurizer.get_params(deep=False) | {"transcript_to_gene": "<from data>"},
    }
    return FitResult(
        model=model,
        features=X,
        modules=with_gene_names(model.modules_, data.transcripts),
        edges=model.edges_,
        eigengenes=eigengenes,
        traits=trait_table,
        feature_scores=with_gene_names(feature_scores(X, model, eigengenes), data.transcripts),
        module_gene_roles=model.module_gene_roles_,
        calibration=calibration,
        config=config,
        residualizer_qc=qc,
    )
