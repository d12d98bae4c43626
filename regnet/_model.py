"""RegNet: the scikit-learn style estimator around :class:`regnet.nn.RegNetModule`."""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from isograph._core import draw_seed
from isograph._core._torch import resolve_device, torch_seeded

from ._calibration import calibration_report, uncalibrated_report
from ._convert import check_columns, check_orientation, expression_frame, restrict_pairs
from ._inputs import check_expression, check_pairs, standardize_rows, training_pairs
from ._persistence import load_regnet, save_regnet
from ._training import train_regnet
from ._validation import choose_validation
from .nn import GraphFeatures, RegNetModule

__all__ = ["RegNet"]


class RegNet(BaseEstimator):
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
    validation_strategy_ : str
        Which pairs picked the epoch: ``"given"``, ``"internal"``,
        ``"internal_pooled"`` or ``"training_loss"`` (see ``fit``'s Notes).
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
        frame, gene_axis, cell_axis, kind = expression_frame(
            X, layer=layer, use_highly_variable=use_highly_variable
        )
        check_columns(edges, "edges")
        check_orientation(gene_axis, cell_axis,
                          set(edges["TF"].astype(str)) | set(edges["Target"].astype(str)), kind)
        X = check_expression(frame)
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
        logits = self._logits(val[0], val[1])
        self.calibration_ = calibration_report(logits, val[2])
        self.calibration_["validation_auprc"] = float(average_precision_score(val[2], logits))
        self.calibration_["validation_auroc"] = float(roc_auc_score(val[2], logits))
        return self

    def _check_params(self) -> None:
        """Parameter rules and the device, checked before any data is touched."""
        self._validate_params()
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
            hidden_channels=self.hidden_channels,
            latent_channels=self.latent_channels,
            heads=self.heads,
            pair_channels=GraphFeatures.pair_channels(self.use_structure),
            dropout=self.dropout,
        )

    def _tensor(self, array, dtype=torch.long) -> torch.Tensor:
        array = np.asarray(array)
        # pandas 3 (copy-on-write) hands out read-only views; a tensor must not share them
        if not array.flags.writeable:
            array = array.copy()
        return torch.as_tensor(array, dtype=dtype, device=self.device_)

    def _features(self, X: pd.DataFrame, src=None, dst=None, scale=1.0) -> GraphFeatures:
        """Features of the genes of ``X`` over a graph (default: the training positives)."""
        if src is None:  # training positives restricted to the genes of X
            src = X.index.get_indexer(self.edges_["TF"])
            dst = X.index.get_indexer(self.edges_["Target"])
            inside = (src >= 0) & (dst >= 0)
            src, dst = src[inside], dst[inside]
        return GraphFeatures(
            self._tensor(standardize_rows(X.to_numpy()), torch.float32),
            self._tensor(np.stack([src, dst])),
            self._tensor(X.index.isin(self.tfs_), torch.float32),
            use_structure=self.use_structure,
            scale=scale,
        )

    # ------------------------------------------------------------ inference
    def _encode(self, X: pd.DataFrame | None = None, **door):
        """Genes, features and the module's ``(mu, logvar)`` for the genes of ``X``.

        ``door`` holds ``layer`` / ``use_highly_variable`` for an AnnData ``X``.
        """
        if X is None:
            X = self.expression_
        else:
            frame, gene_axis, cell_axis, kind = expression_frame(X, **door)
            check_orientation(gene_axis, cell_axis, self.genes_, kind)
            X = check_expression(frame)
            missing = sorted(set(self.feature_names_in_) - set(X.columns))
            if missing:
                raise ValueError(
                    f"X lacks {len(missing)} of the cells seen in fit, e.g. {missing[:3]}; "
                    "X must be genes x the same cells."
                )
            X = X.loc[:, list(self.feature_names_in_)]
        feats = self._features(X)
        self.module_.eval()
        with torch.no_grad():
            mu, logvar, _ = self.module_.encode(feats.x, feats.edge_index)
        return X.index, feats, mu, logvar

    def _logits(self, src, dst) -> np.ndarray:
        _, feats, mu, _ = self._encode()
        src, dst = self._tensor(src), self._tensor(dst)
        with torch.no_grad():
            logits = self.module_.decode(mu, src, dst, feats.pairs(src, dst))
        return logits.cpu().numpy().astype(np.float64)

    def candidate_pairs(self) -> pd.DataFrame:
        """All candidate pairs ``tfs_ x genes_`` but self pairs (columns ``TF``, ``Target``)."""
        check_is_fitted(self, "module_")
        tf = np.repeat(np.asarray(self.tfs_, dtype=object), len(self.genes_))
        target = np.tile(np.asarray(self.genes_, dtype=object), len(self.tfs_))
        keep = tf != target
        return pd.DataFrame({"TF": tf[keep], "Target": target[keep]})

    def decision_function(self, pairs: pd.DataFrame | None = None) -> pd.Series:
        """Uncalibrated edge logits of ``pairs`` (columns ``TF``, ``Target``).

        Parameters
        ----------
        pairs : pandas.DataFrame, optional
            Columns ``TF`` and ``Target`` naming genes seen in ``fit``;
            defaults to :meth:`candidate_pairs`.

        Returns
        -------
        pandas.Series
            Indexed like ``pairs``.
        """
        check_is_fitted(self, "module_")
        if pairs is None:
            pairs = self.candidate_pairs()
        frame = check_pairs(pairs, self.genes_, "pairs", label="ignore")
        logits = self._logits(frame["src"].to_numpy(), frame["dst"].to_numpy())
        return pd.Series(logits, index=pairs.index, name="logit")

    def predict_proba(self, pairs: pd.DataFrame | None = None):
        """Calibrated probability that each ``TF -> Target`` pair is a regulatory edge.

        Parameters
        ----------
        pairs : pandas.DataFrame, optional
            Columns ``TF`` and ``Target`` naming genes seen in ``fit``.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            With ``pairs``: ``sigmoid(logit / temperature)``, a Series indexed
            like ``pairs``. Without: the ranked network, a DataFrame
            ``TF, Target, probability`` over :meth:`candidate_pairs`, most
            probable first.

        Examples
        --------
        >>> network = RegNet().fit(adata, edges, errors="drop").predict_proba()  # doctest: +SKIP
        """
        ranked = pairs is None
        if ranked:
            pairs = self.candidate_pairs()
        logits = self.decision_function(pairs)
        proba = pd.Series(expit(logits.to_numpy() / self.calibration_["temperature"]),
                          index=pairs.index, name="probability")
        if not ranked:
            return proba
        network = pairs.assign(probability=proba.to_numpy())
        return network.sort_values("probability", ascending=False, kind="stable",
                                   ignore_index=True)

    def transform(self, X, *, layer=None, use_highly_variable=None,
                  key_added: str | None = None) -> pd.DataFrame:
        """VAE means of the genes of ``X`` (genes x latent).

        Parameters
        ----------
        X : pandas.DataFrame or anndata.AnnData
            Genes x the cells seen in ``fit`` (DataFrame), or cells x genes
            (AnnData); the graph is the training graph restricted to these genes.
        layer, use_highly_variable
            AnnData only, as in :meth:`fit`.
        key_added : str, optional
            AnnData only: also write the embedding to ``X.varm[key_added]``
            (``n_vars x latent``; NaN rows for genes left out, e.g. not highly
            variable), as ``scanpy.tl`` functions do.

        Returns
        -------
        pandas.DataFrame
            Index = genes of ``X``, columns :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "module_")
        if key_added is not None and not hasattr(X, "varm"):
            raise ValueError(f"key_added={key_added!r} writes to an AnnData's varm; X is a "
                             f"{type(X).__name__}: leave key_added unset.")
        genes, _, mu, _ = self._encode(X, layer=layer, use_highly_variable=use_highly_variable)
        out = pd.DataFrame(mu.cpu().numpy(), index=genes, columns=self.get_feature_names_out())
        if key_added is not None:
            X.varm[key_added] = out.reindex(X.var_names.astype(str)).to_numpy()
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the latent dimensions, ``latent_0 ... latent_{k-1}``."""
        return np.asarray([f"latent_{i}" for i in range(self.latent_channels)], dtype=object)

    # ------------------------------------------------------ interpretation
    def first_layer_states(self, X: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
        """Input and output of the first SAGE layer, per gene.

        Parameters
        ----------
        X : pandas.DataFrame, optional
            Genes x cells; defaults to the expression seen in ``fit``.

        Returns
        -------
        dict of pandas.DataFrame
            ``x`` (input features), ``m`` (mean of ``x`` over the gene's
            neighbours in the training-positive graph), ``h = g(x, m)`` (the
            layer output before its activation) and ``n`` (mean of ``h`` over
            the neighbours). ``x``/``m`` have columns ``input_feature_names_``;
            ``h``/``n`` have ``h_0 ... h_{hidden-1}``.
        """
        check_is_fitted(self, "module_")
        genes, feats, _, _ = self._encode(X)
        with torch.no_grad():
            states = self.module_.first_layer(feats.x, feats.edge_index)
        hidden = [f"h_{i}" for i in range(self.hidden_channels)]
        return {
            k: pd.DataFrame(v.cpu().numpy(), index=genes,
                            columns=self.input_feature_names_ if k in "xm" else hidden)
            for k, v in states.items()
        }

    def first_layer_aggregate(self, x, m) -> pd.DataFrame:
        """Apply the first layer's aggregator ``g(x, m)`` alone (evaluation mode).

        Parameters
        ----------
        x, m : pandas.DataFrame or array-like of shape (n_genes, n_inputs)
            Node inputs and neighbour means, columns ``input_feature_names_``.

        Returns
        -------
        pandas.DataFrame
            ``h``, indexed like ``x`` when it is a DataFrame.
        """
        check_is_fitted(self, "module_")
        index = x.index if isinstance(x, pd.DataFrame) else None
        x_t = self._tensor(np.asarray(x, dtype=np.float32), torch.float32)
        m_t = self._tensor(np.asarray(m, dtype=np.float32), torch.float32)
        width = len(self.input_feature_names_)
        if x_t.dim() != 2 or x_t.shape[1] != width or x_t.shape != m_t.shape:
            raise ValueError(
                f"x and m must both have shape (n_genes, {width}); got {tuple(x_t.shape)} "
                f"and {tuple(m_t.shape)}."
            )
        self.module_.eval()
        with torch.no_grad():
            h = self.module_.sage1.combine(x_t, m_t).cpu().numpy()
        return pd.DataFrame(h, index=index, columns=[f"h_{i}" for i in range(h.shape[1])])

    # ------------------------------------------------------------- storage
    def save(self, directory) -> Path:
        """Write the fitted model to ``directory`` (created if needed) and return its path.

        Files: ``config.json`` (parameters, format version), ``model.pt``
        (state dict), ``genes.txt``, ``tfs.txt``, ``expression.parquet`` (the
        fitted ``X``), ``edges.parquet`` (the message graph), ``history.csv``,
        ``calibration.json``.
        """
        check_is_fitted(self, "module_")
        return save_regnet(self, directory)

    @classmethod
    def load(cls, directory, *, device: str | None = None) -> RegNet:
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        directory : str or path-like
            Folder written by :meth:`save`.
        device : str, optional
            Overrides the saved ``device`` parameter.

        Returns
        -------
        RegNet
            Fitted; predictions equal those of the saved model.
        """
        return load_regnet(cls, directory, device=device)
