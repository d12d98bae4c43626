"""fit_dataset: features -> residualization -> backend -> labelled result."""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd

from ._result import FitResult
from .data import IsoformData
from .features import CovariateResidualizer, GeneAbundance, MultiplexFeatures, SwitchCoordinates
from .models._base import MIN_SAMPLES
from .models._registry import DEFAULT_BACKEND, backend_name, make_backend
from .network import feature_table, trait_associations

CHANNELS = ("both", "switch", "abundance")


def build_features(data: IsoformData, channels: str = "both"):
    """The unfitted feature transformer for ``channels`` (pandas output)."""
    if channels not in CHANNELS:
        raise ValueError(f"channels must be one of {list(CHANNELS)}, got {channels!r}")
    t2g = data.transcript_to_gene
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


def fit_dataset(
    data: IsoformData,
    backend=DEFAULT_BACKEND,
    *,
    covariates=None,
    channels: str = "both",
    traits=None,
    validate: bool = True,
    **backend_params,
) -> FitResult:
    """Find gene modules in an :class:`~isograph.data.IsoformData`.

    Runs the feature transformer for ``channels``, regresses the named sample
    covariates out of every feature, fits the backend and tests module
    eigengenes against the remaining sample-table columns.

    Parameters
    ----------
    data : IsoformData
    backend : str or estimator, default "vae"
        ``"vae"``, ``"baseline"``, ``"latent"``, ``"graph"``, ``"wgcna"``, or an
        unfitted estimator.
    covariates : list of str, optional
        Sample-table columns to regress out (numeric or categorical).
    channels : {"both", "switch", "abundance"}
        Features: both channels (``<gene>::switch`` / ``<gene>::abundance``),
        or one of them (columns are gene ids).
    traits : list of str, optional
        Sample-table columns to test against eigengenes; default every column
        that is not a covariate.
    validate : bool
        Check the dataset first (every problem reported at once).
    **backend_params
        Passed to the backend's constructor.

    Returns
    -------
    FitResult
    """
    if not isinstance(data, IsoformData):
        raise TypeError(f"data must be an IsoformData, got {type(data).__name__}")
    covariates = [] if covariates is None else list(covariates)
    missing = [c for c in covariates if c not in data.samples.columns]
    if missing:
        raise ValueError(
            f"covariates {missing} are not columns of the sample table "
            f"(columns: {list(data.samples.columns)})"
        )
    model = make_backend(backend, **backend_params)
    if validate:
        data.validate(min_samples=MIN_SAMPLES)
    started = time.perf_counter()
    featurizer = build_features(data, channels)
    X = featurizer.fit_transform(data.transcript_counts)
    qc = None
    if covariates:
        residualizer = CovariateResidualizer(covariates=covariates).set_output(transform="pandas")
        X = residualizer.fit_transform(X, covariates=data.samples.loc[X.index, covariates])
        qc = getattr(residualizer, "qc_", None)
    feature_seconds = time.perf_counter() - started
    model.fit(X)
    fit_seconds = time.perf_counter() - started - feature_seconds
    eigengenes = model.eigengenes(X)
    if traits is None:
        traits = [c for c in data.samples.columns if c not in covariates]
    trait_table = trait_associations(eigengenes, data.samples, traits=traits)
    calibration = dict(model.calibration_)
    calibration.update(feature_seconds=feature_seconds, fit_seconds=fit_seconds)
    from . import __version__

    config = {
        "backend": backend_name(model),
        "backend_params": model.get_params(deep=False),
        "channels": channels,
        "covariates": covariates,
        "traits": list(traits),
        "isograph_version": __version__,
        "python": platform.python_version(),
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_transcripts": int(data.transcript_counts.shape[1]),
        "features": featurizer.get_params(deep=False) | {"transcript_to_gene": "<from data>"},
    }
    return FitResult(
        model=model,
        features=X,
        modules=model.modules_,
        edges=model.edges_,
        eigengenes=eigengenes,
        traits=trait_table,
        feature_scores=feature_scores(X, model, eigengenes),
        module_gene_roles=model.module_gene_roles_,
        calibration=calibration,
        config=config,
        residualizer_qc=qc,
    )
