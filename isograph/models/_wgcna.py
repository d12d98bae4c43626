"""WGCNA backend: R's ``blockwiseModules`` run through ``Rscript``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from ..network import module_label, standardize
from ..network._gene_modules import gene_modules_from_features
from ..network._tables import gene_index
from ._base import BaseNetworkModel
from ._wgcna_params import (
    WGCNA_CONSTRAINTS,
    WGCNA_MIN_FEATURES,
    WGCNA_MIN_SAMPLES,
    r_params,
    wgcna_calibration,
)
from ._wgcna_r import find_rscript, run_wgcna_script


class WgcnaNetworkModel(BaseNetworkModel):
    """Gene modules from R's WGCNA (``blockwiseModules``), run through ``Rscript``.

    The soft-thresholding power is fixed or chosen from ``pickSoftThreshold``;
    WGCNA builds the topological overlap (TOM), clusters it with the dynamic
    tree cut and merges modules whose eigengenes correlate. Above
    ``max_block_size`` features WGCNA pre-clusters the features into blocks
    (*blockwise mode*). Labels and eigengenes are WGCNA's own; ``transform``
    reproduces WGCNA's module eigengenes on the training samples.

    Parameters
    ----------
    power : int, optional
        Soft-thresholding power. ``None``: the lowest power in
        ``1..10, 12, ..., 30`` whose scale-free fit has signed ``R^2 >= 0.85``
        (``pickSoftThreshold``); when none does, 12 for ``"signed"`` networks
        and 6 otherwise (the WGCNA FAQ). ``calibration_["power_source"]`` says
        which (``"fixed"``, ``"estimated"``, ``"fallback"``).
    network_type : {"unsigned", "signed", "signed hybrid"}, default="unsigned"
        Unsigned (``|r|^power``) keeps a gene whose switch and abundance
        channels move against each other (a *discordant* gene) in one module;
        signed (``((1 + r) / 2)^power``) splits positively and negatively
        correlated features into different modules.
    tom_type : {"unsigned", "signed", "signed Nowick", "unsigned 2", "signed 2", \
"signed Nowick 2"}, default="unsigned"
    min_module_size : int, default=20
    merge_cut_height : float, default=0.15
        Modules whose eigengenes correlate above ``1 - merge_cut_height`` merge.
    deep_split : int in 0..4, default=2
        Sensitivity of the dynamic tree cut.
    max_block_size : int, default=5000
        Largest block; more features than this runs WGCNA blockwise.
    edge_threshold : float, default=0.02
        Single-block runs: smallest ``|TOM|`` kept in ``edges_``.
    max_edges_per_gene : int, default=10
        Single-block runs: each feature keeps at most its strongest ties
        (so ``edges_`` has at most ``max_edges_per_gene * n_features`` rows).
    n_threads : int, default=1
        Threads of WGCNA's correlation and TOM code; ``-1`` = all CPUs.
    timeout_seconds : float, optional
        R is killed and :class:`WgcnaTimeoutError` raised past this time.
    random_state : int, RandomState or None, default=0
        WGCNA's ``randomSeed`` (pre-clustering of blocks).
    rscript : str or path, optional
        ``Rscript`` executable; default ``$ISOGRAPH_RSCRIPT`` or ``PATH``.

    Attributes
    ----------
    labels_, modules_, edges_, n_modules_, loadings_, module_gene_roles_
        See :class:`~isograph.models._base.BaseNetworkModel`. ``edges_`` is
        empty in blockwise mode (no TOM over all features is ever formed).
    wgcna_eigengenes_ : DataFrame
        WGCNA's module eigengenes of the training samples (``M0, M1, ...``).
    calibration_ : dict
        ``power``, ``power_source``, ``power_estimate_wgcna``, ``fit_r2``
        (signed scale-free R^2 at the power), ``fit_slope``,
        ``mean_connectivity``, ``soft_threshold_table``, ``n_blocks``,
        ``block_sizes``, ``blockwise``, ``edges_note`` (blockwise mode),
        ``n_excluded_features``, ``n_channel_conflicts`` (features whose gene
        joined another module), ``random_seed``, ``r_version``,
        ``wgcna_version``, ``r_messages`` (R's warnings) and the graph summary.

    Notes
    -----
    Inputs go to a temporary directory (raw float64 matrix, JSON parameters);
    ``wgcna.R`` (package data) writes CSV / JSON with R's own writers; the
    directory is removed in every case. WGCNA's ``powerEstimate`` also accepts
    fits with a positive slope (not scale-free); here the slope must be
    negative. Multiplex input (``<gene>::switch`` / ``<gene>::abundance``
    columns) is clustered feature by feature; a gene whose channels land in
    different modules joins the one of its larger |kME| (counted in
    ``n_channel_conflicts``).

    References
    ----------
    Langfelder & Horvath (2008), BMC Bioinformatics 9, 559.
    Zhang & Horvath (2005), Stat. Appl. Genet. Mol. Biol. 4, 17.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(40, 1))
    >>> X = np.hstack([z + rng.normal(size=(40, 30)), rng.normal(size=(40, 30))])
    >>> model = WgcnaNetworkModel(power=6, min_module_size=10).fit(X)  # doctest: +SKIP
    >>> model.transform(X).shape  # doctest: +SKIP
    (40, 1)
    """

    _parameter_constraints: dict = {**BaseNetworkModel._parameter_constraints,
                                    **WGCNA_CONSTRAINTS}

    def __init__(
        self,
        power=None,
        *,
        network_type="unsigned",
        tom_type="unsigned",
        min_module_size=20,
        merge_cut_height=0.15,
        deep_split=2,
        max_block_size=5000,
        edge_threshold=0.02,
        max_edges_per_gene=10,
        n_threads=1,
        timeout_seconds=None,
        random_state=0,
        rscript=None,
    ):
        self.power = power
        self.network_type = network_type
        self.tom_type = tom_type
        self.min_module_size = min_module_size
        self.merge_cut_height = merge_cut_height
        self.deep_split = deep_split
        self.max_block_size = max_block_size
        self.edge_threshold = edge_threshold
        self.max_edges_per_gene = max_edges_per_gene
        self.n_threads = n_threads
        self.timeout_seconds = timeout_seconds
        self.random_state = random_state
        self.rscript = rscript

    # --------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Run WGCNA on ``X`` (samples x features) and store its modules.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Column names (a DataFrame's columns) name the features;
            ``<gene>::switch`` / ``<gene>::abundance`` columns are multiplex.
        y : None
            Ignored.

        Returns
        -------
        self

        Raises
        ------
        WgcnaUnavailableError, WgcnaError, WgcnaTimeoutError
            No R / WGCNA; R stopped with an error; R ran past ``timeout_seconds``.
        """
        # one run serves both hooks: edges from its TOM, then its labels and eigengenes
        self._run_state = {"index": X.index if isinstance(X, pd.DataFrame) else None}
        try:
            return super().fit(X, y)
        finally:
            del self._run_state

    def _validate_input(self, X) -> np.ndarray:
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=WGCNA_MIN_SAMPLES)
        if self.min_module_size <= X.shape[1] < WGCNA_MIN_FEATURES:
            raise ValueError(
                f"Found array with {X.shape[1]} feature(s) (shape={X.shape}) while a minimum "
                f"of {WGCNA_MIN_FEATURES} is required by WGCNA (goodSamplesGenes); pass more "
                "features")
        find_rscript(self.rscript)  # a missing R is an error whatever the data
        return X

    def _standardize(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # R gets float64 (WGCNA's correlations are scale-free, not rounding-free)
        _, mean, scale = standardize(X)
        return (X - mean) / scale, mean, scale

    def _fit_network(self, Z: np.ndarray, features: pd.DataFrame):
        """Edges hook: run WGCNA on the columns of ``Z``; its thresholded TOM edges.

        The run waits for :meth:`_fit_modules` (labels and eigengenes are
        WGCNA's). Blockwise runs return no edges; with fewer features than
        ``min_module_size`` WGCNA could only answer "all grey", so R is not run.
        """
        run = params = None
        if Z.shape[1] >= self.min_module_size:
            params = r_params(self)
            run = run_wgcna_script(np.asarray(Z, dtype=np.float64), params, rscript=self.rscript,
                                   timeout=self.timeout_seconds)
        getattr(self, "_run_state", {}).update(run=run, params=params)
        if run is None or run.edges is None:
            empty = np.zeros(0, np.int64)
            return empty, empty, np.zeros(0, np.float32)
        return run.edges

    def _fit_modules(self, Z, features, rows, cols, weights) -> None:
        """Modules hook: WGCNA's labels, one module per gene, and its eigengenes."""
        state = self._run_state
        run, params = state["run"], state["params"]
        if run is None:
            return self._fit_without_modules(Z, features, state["index"])
        if run.labels.shape != (Z.shape[1],):
            raise RuntimeError(f"WGCNA returned {run.labels.size} labels for {Z.shape[1]} features")
        # WGCNA labels 1..K (0 = grey) -> 0..K-1, with eigengene column k for label k
        ids = np.unique(run.labels[run.labels > 0])
        me = np.column_stack([run.eigengenes[f"ME{i}"].to_numpy(np.float64) for i in ids]) \
            if ids.size else np.zeros((Z.shape[0], 0))
        dense = np.where(run.labels > 0, np.searchsorted(ids, run.labels), -1)
        genes, node_of = gene_index(features)
        gene_labels, feature_labels, old_to_new = gene_modules_from_features(
            Z, me, dense, node_of, genes.size
        )
        kept = np.flatnonzero(old_to_new >= 0)
        eig = np.zeros((Z.shape[0], int(old_to_new.max(initial=-1)) + 1))
        eig[:, old_to_new[kept]] = me[:, kept]
        self.wgcna_eigengenes_ = pd.DataFrame(
            eig, index=state["index"], columns=[module_label(k) for k in range(eig.shape[1])]
        )
        moved = (dense >= 0) & (feature_labels < 0) & (gene_labels[node_of] >= 0)
        self.calibration_ = wgcna_calibration(self, run, params, int(moved.sum()))
        self._set_results(Z, features, genes, gene_labels, feature_labels, rows, cols, weights)

    def _fit_without_modules(self, Z, features, index):
        """The fitted state of a run that cannot find a module (R is not called)."""
        genes, _ = gene_index(features)
        self.wgcna_eigengenes_ = pd.DataFrame(index=index, columns=[], dtype=np.float64)
        self.calibration_ = {
            "power": None, "power_source": "not run: fewer features than min_module_size",
            "network_type": self.network_type, "tom_type": self.tom_type,
            "min_module_size": int(self.min_module_size), "n_blocks": 0,
            "random_seed": r_params(self)["random_seed"],
        }
        empty = np.zeros(0, np.int64)
        self._set_results(Z, features, genes, np.full(genes.size, -1), np.full(Z.shape[1], -1),
                          empty, empty, np.zeros(0, np.float32))
