"""RegNet: the scikit-learn style estimator around :class:`regnet.nn.RegNetModule`."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from isograph._core import draw_seed
from isograph._core._torch import resolve_device, torch_seeded

from ._calibration import calibration_report, uncalibrated_report
from ._convert import check_columns, genes_by_cells, restrict_pairs
from ._inputs import training_pairs
from ._persistence import RegNetStorageMixin
from ._readers import RegNetReadersMixin
from ._training import train_regnet
from ._validation import choose_validation
from .nn import GraphFeatures, RegNetModule

__all__ = ["RegNet"]


class RegNet(RegNetReadersMixin, RegNetStorageMixin, BaseEstimator):
    """Regulatory-edge prediction with GraphSAGE, global self-attention and a VAE.

    Genes are nodes; a gene's input is its standardised expression across
    cells, its log in/out degree among the known positive training edges and
    a TF flag. Messages flow along the known positive edges only. Pairs are
    scored by a directed decoder on the VAE codes plus pair features: the
    Pearson correlation of the two expression profiles and the pair's
    structure in the known graph (reverse edge, path counts, degrees).
    Training loss: BCE on edges + ``beta`` KL + ``reconstruction_weight``
    expression reconstruction (+ ``entropy_weight`` attention entropy).

    Parameters
    ----------
    hidden_channels : int, default=64
        Width of the SAGE and attention layers.
    latent_channels : int, default=32
        Size of the VAE code (``transform`` output).
    heads : int, default=4
        Attention heads (at least 2; must divide ``hidden_channels``).
    dropout : float, default=0.1
        Dropout in every block.
    beta : float, default=1e-3
        Weight of the KL term.
    reconstruction_weight : float, default=0.1
        Weight of the expression reconstruction term.
    entropy_weight : float, default=0.0
        Weight of the mean attention entropy (positive values sharpen attention).
    use_structure : bool, default=True
        Give the model degree features and structural pair features; False
        leaves expression, the TF flag, correlation and message passing.
    edge_mask_rate : float, default=0.3
        Each epoch this fraction of the known positives is hidden from the
        graph and becomes the supervised positives, so a supervised edge never
        sees itself (the test situation).
    edge_mask_pool : int, default=16
        Number of such masks drawn before training (their structural features
        are computed once); each epoch uses one of them at random.
    negative_ratio : float, default=10.0
        Random non-edges per supervised positive each epoch, the same number
        for every candidate TF. Labelled negatives (``Label == 0``) are added.
    learning_rate : float, default=3e-3
        Adam learning rate.
    weight_decay : float, default=1e-4
        Adam weight decay.
    max_epochs : int, default=300
        Upper bound on full-batch epochs.
    patience : int, default=40
        Early stopping: epochs without a better validation AUPRC.
    validation_fraction : float, default=0.2
        Used when ``fit`` gets no ``validation``: this fraction of each TF's
        positives is held out (see ``fit``).
    validation_negatives : {"density", "given"}, default="density"
        How a ``validation`` passed to ``fit`` is scored. ``"density"`` adds
        random candidate non-edges (never training positives or validation
        pairs) as negatives until its positive rate equals the network density,
        i.e. the GENELink test protocol; per-TF balanced validation sets (as
        GENELink's) otherwise reward within-TF ranking only and are too small
        to pick an epoch reliably on sparse networks. ``"given"`` uses the
        pairs as they are. Early stopping and temperature scaling both use the
        resulting set.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, edge masking and negative sampling; with an int,
        CPU training is deterministic.
    verbose : int, default=0
        1 shows a progress bar.

    Attributes
    ----------
    genes_ : pandas.Index
        Gene names (the node order).
    tfs_ : list of str
        Candidate regulators.
    feature_names_in_ : numpy.ndarray
        Cell names (columns of ``X``).
    n_features_in_ : int
        Number of cells.
    expression_ : pandas.DataFrame
        The ``X`` given to ``fit`` (genes x cells); ``predict_proba`` scores pairs on it.
    edges_ : pandas.DataFrame
        Positive training edges (``TF``, ``Target``) that form the message graph.
    input_feature_names_ : list of str
        Columns of the first layer's input ``x``.
    module_ : regnet.nn.RegNetModule
        The trained network (best validation epoch).
    history_ : pandas.DataFrame
        One row per epoch: loss terms and ``validation_auprc``.
    best_epoch_ : int
        Epoch whose parameters were kept.
    validation_score_ : float
        Validation AUPRC of that epoch (NaN under ``"training_loss"``).
    validation_strategy_ : str or None
        Which pairs picked the epoch: ``"given"``, ``"internal"``,
        ``"internal_pooled"`` or ``"training_loss"`` (see ``fit``'s Notes);
        None for a model loaded from a folder saved before regnet recorded it.
    calibration_ : dict
        Temperature scaling fitted on the validation pairs: ``temperature``,
        ``ece_before``, ``ece_after``, ``log_loss_before``, ``log_loss_after``,
        ``n_validation``, ``n_bins``, ``validation_auprc``, ``validation_auroc``.
    device_ : torch.device
        Where the module lives.

    See Also
    --------
    regnet.nn.RegNetModule : the torch module.
    regnet.data.genelink_split : training / validation / test pairs.

    Examples
    --------
    >>> from regnet import RegNet
    >>> from regnet.data import genelink_split, load_example
    >>> data = load_example("mDC", network="STRING")
    >>> split = genelink_split(data, random_state=0)
    >>> model = RegNet(max_epochs=5, random_state=0).fit(  # a real fit: drop max_epochs
    ...     data.expression, split.train, tfs=data.tfs, validation=split.validation)
    >>> proba = model.predict_proba(split.test)  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "hidden_channels": [Interval(numbers.Integral, 2, None, closed="left")],
        "latent_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "heads": [Interval(numbers.Integral, 2, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta": [Interval(numbers.Real, 0, None, closed="left")],
        "reconstruction_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "entropy_weight": [Interval(numbers.Real, None, None, closed="neither")],
        "use_structure": ["boolean"],
        "edge_mask_rate": [Interval(numbers.Real, 0, 1, closed="neither")],
        "edge_mask_pool": [Interval(numbers.Integral, 1, None, closed="left")],
        "negative_ratio": [Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "validation_negatives": [StrOptions({"density", "given"})],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_channels: int = 64,
        *,
        latent_channels: int = 32,
        heads: int = 4,
        dropout: float = 0.1,
        beta: float = 1e-3,
        reconstruction_weight: float = 0.1,
        entropy_weight: float = 0.0,
        use_structure: bool = True,
        edge_mask_rate: float = 0.3,
        edge_mask_pool: int = 16,
        negative_ratio: float = 10.0,
        learning_rate: float = 3e-3,
        weight_decay: float = 1e-4,
        max_epochs: int = 300,
        patience: int = 40,
        validation_fraction: float = 0.2,
        validation_negatives: str = "density",
        device: str = "auto",
        random_state=None,
        verbose: int = 0,
    ):
        self.hidden_channels = hidden_channels
        self.latent_channels = latent_channels
        self.heads = heads
        self.dropout = dropout
        self.beta = beta
        self.reconstruction_weight = reconstruction_weight
        self.entropy_weight = entropy_weight
        self.use_structure = use_structure
        self.edge_mask_rate = edge_mask_rate
        self.edge_mask_pool = edge_mask_pool
        self.negative_ratio = negative_ratio
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.validation_negatives = validation_negatives
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, edges: pd.DataFrame, *, tfs=None, validation=None, layer=None,
            use_highly_variable=None, errors: str = "raise") -> RegNet:
        """Train on the known edges ``edges`` over the genes of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame or anndata.AnnData
            Expression: a DataFrame of genes x cells (index = gene names), or
            an AnnData of cells x genes (scanpy's orientation; ``var_names``
            = gene names), converted at the door. Sparse ``.X`` is densified
            over the genes used.
        edges : pandas.DataFrame
            Training pairs ``TF, Target[, Label]``. Without ``Label`` all pairs
            are positive. Positives form the message graph; rows with
            ``Label == 0`` are used as negatives in every epoch.
        tfs : sequence of str, optional
            Candidate regulators (random negatives are drawn from ``tfs x
            genes``); defaults to the TFs of the positive edges.
        validation : pandas.DataFrame, optional
            Pairs ``TF, Target, Label`` used for early stopping (AUPRC) and
            temperature scaling (see ``validation_negatives``). Its pairs take
            no part in training (like any unlabelled pair, a validation
            positive may be drawn as a random training negative). Without it,
            or when it cannot hold both labels, ``validation_fraction`` of
            each TF's positives is held out of training, together with
            uniformly drawn non-edges at the network's density (see Notes).
        layer : str, optional
            AnnData only: the layer holding expression (default ``.X``).
        use_highly_variable : bool, optional
            AnnData only: keep the genes of ``var["highly_variable"]``.
            None (default) uses them when the column exists, as scanpy does.
        errors : {"raise", "drop"}, default="raise"
            Pairs of ``edges`` / ``validation`` naming a gene absent from
            ``X`` (e.g. filtered out as not highly variable), self loops, and
            ``tfs`` absent from ``X``: ``"raise"`` names them in a
            ``ValueError``; ``"drop"`` drops them with one
            :class:`regnet.DroppedPairsWarning` that counts them.

        Returns
        -------
        self : RegNet

        Raises
        ------
        ValueError
            Also when ``X`` looks transposed: the genes named by ``edges`` sit
            on the cell axis (DataFrame columns, AnnData ``obs_names``).

        Notes
        -----
        Small networks: when no validation set with both labels can be
        formed as above, ``fit`` falls back, with a
        :class:`regnet.SmallNetworkWarning`, to holding out positives pooled
        over all TFs, and failing that to early stopping on the training loss
        without calibration. ``validation_strategy_`` records which applied.
        """
        self._check_params()
        check_columns(edges, "edges")
        X = genes_by_cells(X, set(edges["TF"].astype(str)) | set(edges["Target"].astype(str)),
                           layer=layer, use_highly_variable=use_highly_variable)
        genes = X.index
        edges, tfs, validation = restrict_pairs(genes, edges, tfs, validation, errors)
        pairs = training_pairs(genes, edges, tfs, validation)
        tfs, tf_idx = pairs.tfs, pairs.tf_idx
        self.device_ = self._resolve_device()
        seed = draw_seed(self.random_state)
        rng = np.random.default_rng(seed)
        src, dst, val, self.validation_strategy_ = choose_validation(
            rng, pairs, len(genes), self.validation_fraction, self.validation_negatives
        )

        self.genes_, self.tfs_ = genes, tfs
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.expression_ = X
        self.edges_ = pd.DataFrame({"TF": genes[src], "Target": genes[dst]})
        self.input_feature_names_ = GraphFeatures.node_feature_names(X.columns, self.use_structure)
        with torch_seeded(seed, self.device_):
            self.module_ = self._build_module(X.shape[1]).to(self.device_)
            result = train_regnet(
                self, X, (src, dst), (pairs.neg_src, pairs.neg_dst), tf_idx, val, rng,
            )
        self.history_ = pd.DataFrame(result.history).rename(
            columns={"validation_score": "validation_auprc"}
        )
        self.best_epoch_ = result.best_epoch
        if val is None:
            self.history_["validation_auprc"] = np.nan
            self.validation_score_ = float("nan")
            self.calibration_ = uncalibrated_report()
            return self
        self.validation_score_ = result.best_score
        self.calibration_ = calibration_report(self._logits(val[0], val[1]), val[2])
        return self

    def _check_params(self) -> None:
        """What the constraints cannot state: heads dividing the width, the device."""
        if self.hidden_channels % self.heads:
            raise ValueError(
                f"hidden_channels must be a multiple of heads={self.heads}; "
                f"got hidden_channels={self.hidden_channels}."
            )
        self._resolve_device()

    def _resolve_device(self) -> torch.device:
        return resolve_device(self.device)

    def _build_module(self, n_cells: int) -> RegNetModule:
        return RegNetModule(
            len(GraphFeatures.node_feature_names(range(n_cells), self.use_structure)),
            n_cells,
            # the constraints admit any Integral (np.int64 too); the torch layers want int
            hidden_channels=int(self.hidden_channels),
            latent_channels=int(self.latent_channels),
            heads=int(self.heads),
            pair_channels=GraphFeatures.pair_channels(self.use_structure),
            dropout=float(self.dropout),
        )
