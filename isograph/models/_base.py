"""What every network backend shares: input checks, modules, eigengenes, tables."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core._warn import warn
from ..network import (
    collapse_edges,
    detect_modules,
    feature_table,
    fit_eigengene_loadings,
    gene_roles,
    is_multiplex,
    module_label,
    standardize,
)
from ..network._merge import merge_close_modules
from ..network._tables import edge_table, gene_index, largest_component, module_table
from ._constraints import EVERY_BACKEND
from ._warnings import NoModulesWarning, explain_no_modules, warn_empty

MIN_SAMPLES = 3


class BaseNetworkModel(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of the network backends (behaves like ``FeatureAgglomeration``).

    An abstract class: it cannot be instantiated. Subclasses implement
    :meth:`_fit_network`, which turns standardized
    features into a sparse edge list; this class turns the edges into modules
    (per gene when the columns are multiplex ``<gene>::switch`` /
    ``<gene>::abundance`` features), learns eigengene loadings and builds the
    labelled result tables.

    Attributes
    ----------
    labels_ : ndarray of shape (n_features,)
        Module of each input feature, ``-1`` = unassigned. In multiplex runs a
        feature is labelled only when it has an edge inside its gene's module.
    modules_ : DataFrame
        ``gene_id, module_id`` for every gene (``-1`` = unassigned); multiplex
        runs add ``channel`` (``switch`` / ``abundance`` / ``both``: the
        channels through which the gene is a member).
    edges_ : DataFrame
        ``source, target, weight`` between features; multiplex runs add
        ``source_gene, target_gene, source_channel, target_channel``.
    calibration_ : dict
        Backend diagnostics (see each backend).
    module_gene_roles_ : DataFrame or None
        Multiplex runs: per module gene, channel correlations and its role
        (see :func:`isograph.network.gene_roles`).
    n_modules_ : int
    feature_names_in_ : ndarray
        Set when ``X`` has string column names.
    """

    # parameters every backend exposes (subclasses list them in __init__ and
    # merge their own rules into these)
    min_module_size: int
    random_state: int | None
    _parameter_constraints: dict = {**EVERY_BACKEND}

    @abstractmethod
    def _fit_network(
        self, Z: np.ndarray, features: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``rows, cols, weights`` (upper triangle) over the columns of ``Z``.

        May add entries to ``self.calibration_``.
        """

    # ----------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Infer the network and its modules from ``X`` (samples x features).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Column names (a DataFrame's columns) name the features.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        X = self._validate_input(X)
        features = feature_table(self._input_names(X.shape[1]))
        Z, self.mean_, self.scale_ = self._standardize(X)
        self.calibration_ = {}
        rows, cols, weights = self._fit_network(Z, features)
        self._fit_modules(Z, features, rows, cols, weights)
        return self

    def _check_params(self) -> None:
        """Check what ``_parameter_constraints`` cannot state (override).

        Ties between parameters and the items of a sequence; runs after the
        constraints, before any work.
        """

    def _validate_input(self, X) -> np.ndarray:
        """``X`` as float64 with at least ``MIN_SAMPLES`` samples (override to ask more)."""
        return validate_data(self, X, dtype=np.float64, ensure_min_samples=MIN_SAMPLES)

    def _standardize(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``Z, mean, scale`` the hooks work on (float32 ``Z``; override for float64)."""
        return standardize(X)

    def _input_names(self, n_features: int) -> np.ndarray:
        if hasattr(self, "feature_names_in_"):
            return np.asarray(self.feature_names_in_, dtype=object)
        return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)

    def _fit_modules(self, Z, features, rows, cols, weights) -> None:
        """Modules hook: communities of the gene graph of the edges (override)."""
        multiplex = is_multiplex(features)
        genes, node_of = gene_index(features)
        g_rows, g_cols, g_w = collapse_edges(rows, cols, weights, node_of, genes.size)
        gene_labels = detect_modules(
            genes.size, g_rows, g_cols, g_w,
            method=self.community, min_module_size=self.min_module_size,
            resolution=self.resolution, random_state=self.random_state,
        )
        gene_labels, n_merged = merge_close_modules(Z, gene_labels, node_of,
                                                    getattr(self, "merge_threshold", None))
        self.calibration_["n_merged_modules"] = n_merged
        if gene_labels.size and gene_labels.max() < 0:
            warn_empty(explain_no_modules(genes.size, g_rows.size,
                                          largest_component(genes.size, g_rows, g_cols),
                                          int(self.min_module_size)))
        feature_labels = gene_labels[node_of].copy()
        if multiplex:
            # a channel belongs to the module only through an edge inside it
            same = (feature_labels[rows] == feature_labels[cols]) & (feature_labels[rows] >= 0)
            connected = np.zeros(len(features), dtype=bool)
            connected[rows[same]] = True
            connected[cols[same]] = True
            feature_labels[~connected] = -1
        self._set_results(Z, features, genes, gene_labels, feature_labels, rows, cols, weights)

    def _set_results(
        self, Z, features, genes, gene_labels, feature_labels, rows, cols, weights
    ) -> None:
        """Store labels, loadings and the result tables once modules are known.

        ``genes`` / ``gene_labels`` come from :func:`gene_index` order;
        ``feature_labels`` has one entry per column of ``Z``.
        """
        multiplex = is_multiplex(features)
        self.labels_ = feature_labels
        self.n_modules_ = int(gene_labels.max()) + 1 if gene_labels.size else 0
        self.loadings_, self.variance_explained_ = fit_eigengene_loadings(Z, feature_labels)

        self.modules_ = module_table(genes, gene_labels, features, feature_labels, multiplex)
        self.edges_ = edges = edge_table(features, rows, cols, weights, multiplex)

        self.module_gene_roles_ = None
        if multiplex:
            self.module_gene_roles_ = gene_roles(
                Z, features, pd.Series(gene_labels, index=genes), **self._role_params()
            )
        self.calibration_.update({
            "n_features": int(len(features)),
            "n_genes": int(genes.size),
            "n_edges": int(len(edges)),
            "n_modules": self.n_modules_,
            "n_unassigned_genes": int((gene_labels < 0).sum()),
            "multiplex": multiplex,
        })

    def _role_params(self) -> dict:
        """Thresholds for :func:`gene_roles` (backends may expose them)."""
        return {}

    # ----------------------------------------------------------- transform
    def transform(self, X):
        """Module eigengene scores of new samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_modules)
            Eigengenes from the loadings learned in ``fit`` (the training
            samples' eigengenes have unit variance).

        Warns
        -----
        NoModulesWarning
            When ``fit`` found no module (the result has zero columns).
        """
        scores = self._scores(X)
        if self.n_modules_ == 0:
            # (n, 0) is a valid answer, but silently breaks the next Pipeline step.
            warn(NoModulesWarning(
                f"{type(self).__name__} found no module in fit, so transform returns an "
                f"array of shape ({scores.shape[0]}, 0); loosen alpha/fdr or lower "
                f"min_module_size (now {self.min_module_size})"))
        return scores

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self, "loadings_")
        return self._standardized_input(X) @ self.loadings_

    def _standardized_input(self, X) -> np.ndarray:
        """``X`` checked against the fitted features, scaled as in ``fit`` (float64)."""
        check_is_fitted(self, ("mean_", "scale_"))
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.mean_) / self.scale_

    def get_feature_names_out(self, input_features=None):
        """Eigengene names ``M0, M1, ...``.

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "loadings_")
        return np.asarray([module_label(k) for k in range(self.n_modules_)], dtype=object)

    def eigengenes(self, X) -> pd.DataFrame:
        """Labelled eigengenes: samples x modules DataFrame (index from ``X`` if any).

        Unlike :meth:`transform`, no :class:`NoModulesWarning` for an empty
        table: ``fit`` already warned with the reason.
        """
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(self._scores(X), index=index, columns=self.get_feature_names_out())
