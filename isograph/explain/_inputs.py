"""A saved fit folder back into what the explainers need: the model and its input features."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._result import CHECKPOINT, FitResult

__all__ = ["CHECKPOINT", "EIGENGENE_TOLERANCE", "FitInputs", "read_fit_inputs",
           "recompute_features"]
#: Largest eigengene difference (relative to their scale) accepted when the
#: recomputed features are checked against the fit's ``eigengenes.parquet``.
EIGENGENE_TOLERANCE = 1e-6


@dataclass
class FitInputs:
    """What :func:`read_fit_inputs` returns.

    Attributes
    ----------
    model : VaeNetworkModel
        Loaded from ``vae_checkpoint.pt``.
    features : DataFrame
        Samples x features, recomputed from the dataset with the fit's settings.
    config : dict
        The fit's ``fit_config.json``.
    dataset_path : Path or None
        Where the dataset was read from (``None`` when it was passed in).
    """

    model: object
    features: pd.DataFrame
    config: dict
    dataset_path: Path | None


def recompute_features(data, config: dict) -> pd.DataFrame:
    """The samples x features matrix a fit saw, rebuilt from its dataset and config.

    Uses the ``channels``, the feature transformer's parameters (``features``)
    and the ``covariates`` regressed out, as recorded in ``fit_config.json``
    by :func:`isograph.fit_dataset`; every step is deterministic, so the same
    dataset gives the same matrix.

    Parameters
    ----------
    data : IsoformData
    config : dict
        A fit's ``fit_config.json``.

    Returns
    -------
    DataFrame
    """
    from .._prepare import recorded_counts
    from .._workflow import build_features
    from ..features import CovariateResidualizer

    counts, t2g = recorded_counts(data, config)  # the expression filter the fit applied
    featurizer = build_features(data, config.get("channels", "both"), transcript_to_gene=t2g)
    known = featurizer.get_params(deep=False)
    params = {k: v for k, v in (config.get("features") or {}).items()
              if k != "transcript_to_gene" and k in known}
    featurizer.set_params(**params)
    X = featurizer.fit_transform(counts)
    covariates = list(config.get("covariates") or [])
    missing = [c for c in covariates if c not in data.samples.columns]
    if missing:
        raise ValueError(f"the fit regressed out covariates {missing}, which are not columns of "
                         f"the dataset's sample table ({list(data.samples.columns)})")
    if covariates:
        residualizer = CovariateResidualizer(covariates=covariates).set_output(transform="pandas")
        X = residualizer.fit_transform(X, covariates=data.samples.loc[X.index, covariates])
    return X


def _check_eigengenes(model, X: pd.DataFrame, saved: pd.DataFrame, source: str) -> None:
    if saved.shape != (X.shape[0], model.n_modules_) or not saved.index.astype(str).equals(
            X.index.astype(str)):
        raise ValueError(f"the dataset {source} has samples {X.shape[0]} x modules "
                         f"{model.n_modules_}, but the fit's eigengenes.parquet has "
                         f"{saved.shape[0]} x {saved.shape[1]} (other samples): is it the "
                         "dataset the fit used?")
    E = model.transform(X)
    worst = float(np.max(np.abs(E - saved.to_numpy(dtype=np.float64)))) if E.size else 0.0
    scale = max(1.0, float(np.max(np.abs(E)))) if E.size else 1.0
    if worst > EIGENGENE_TOLERANCE * scale:
        raise ValueError(f"the features recomputed from the dataset {source} do not reproduce "
                         f"the fit's eigengenes.parquet (largest difference {worst:.3g}): "
                         "is it the dataset the fit used?")


def read_fit_inputs(fit_dir, *, dataset_path=None, data=None) -> FitInputs:
    """The model and the input features of a saved VAE fit.

    The fit folder (see :meth:`isograph.FitResult.save`) holds the checkpoint
    but not the samples x features matrix, so the features are recomputed from
    the dataset with the settings recorded in ``fit_config.json``
    (:func:`recompute_features`), then checked against the checkpoint's
    feature names and the saved ``eigengenes.parquet``.

    Parameters
    ----------
    fit_dir : path
        A folder written by ``isograph fit`` or :meth:`FitResult.save` with
        the VAE backend.
    dataset_path : path, optional
        The dataset folder. Default: the one recorded by ``isograph fit``.
    data : IsoformData, optional
        The dataset itself (instead of ``dataset_path``).

    Returns
    -------
    FitInputs
    """
    fit_dir = Path(fit_dir)
    try:
        saved = FitResult.load(fit_dir)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"fit_dir: {exc}") from None
    config = saved.config
    if not saved.has_checkpoint:
        raise FileNotFoundError(
            f"fit_dir {str(fit_dir)!r} holds no {CHECKPOINT}: explaining needs a fit with the "
            f"vae backend (this fit used {config.get('backend', 'an unknown backend')!r})")
    path = None
    if data is None:
        recorded = (config.get("cli") or {}).get("dataset_path")
        if dataset_path is None and recorded is None:
            raise ValueError("dataset_path is needed: the fit folder does not record the "
                             "dataset it was fitted on")
        path = Path(dataset_path if dataset_path is not None else recorded)
        from ..data import read_dataset

        data = read_dataset(path)
    X = recompute_features(data, config)
    model = saved.load_model(feature_names=[str(c) for c in X.columns])
    source = repr(str(path)) if path is not None else "given"
    _check_eigengenes(model, X, saved.eigengenes, source)
    return FitInputs(model=model, features=X, config=config, dataset_path=path)
