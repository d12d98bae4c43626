"""The VAE backend (the default): modules from the decoded signal of a beta-VAE."""

from __future__ import annotations

from collections.abc import Sequence

from ..._core._torch import torch_threads
from .._base import BaseNetworkModel
from .._constraints import COMMUNITIES
from .._docstrings import share_docs
from ._fit import fit_vae_network
from ._fitted import FittedVae
from ._validation import VAE_CONSTRAINTS, check_vae_params


@share_docs
class VaeNetworkModel(FittedVae, BaseNetworkModel):
    """Gene modules from the Pearson correlation of a beta-VAE's decoded signal.

    Samples are the VAE's observations and (standardized) features its
    dimensions. A VAE is trained for each latent dimension of the grid; the one
    with the best validation ELBO decodes every sample, and modules come from
    the correlation of the decoded features, restricted to features the
    decoder reproduces better than a permutation null (so noise, which a
    low-rank decoder would make look correlated, is left out).

    The permutation null is the same VAE trained, for the selected model's
    best number of epochs, on the data with every column shuffled; a feature
    passes when its observed-vs-decoded correlation beats that null's
    distribution at the Benjamini–Hochberg level ``signal_fdr``. ELBO values
    take the reconstruction at the posterior mean (a deterministic plug-in).

    Parameters
    ----------
    latent_dim : int or sequence of int
        Latent dimension, or a grid to choose from by validation ELBO.
    hidden_layer_sizes : sequence of int
        Encoder hidden widths (the decoder mirrors them).
    dropout : float in [0, 1)
        Dropout after each hidden layer.
    beta : float
        Weight of the KL term once warmed up.
    kl_warmup : int
        Epochs over which the KL weight rises linearly from 0 to ``beta``.
    max_epochs, batch_size, learning_rate, weight_decay
        Adam on mini-batches of samples.
    validation_fraction : float in [0, 1)
        Samples held out for early stopping and for choosing the latent
        dimension (0: the training loss is watched instead).
    early_stopping : bool
        Stop when the validation loss has not improved by ``tol`` (relative)
        for ``n_iter_no_change`` epochs; the best epoch's weights are restored.
    n_iter_no_change : int
    tol : float
    collapse_threshold : float
        A latent dimension whose average KL is below this (nats) has collapsed;
        a :class:`PosteriorCollapseWarning` is raised when half or more have.
    signal_fdr : float in (0, 1) or None
        FDR of the signal test (permutation null of the reconstruction
        correlation). ``None`` lets every feature take part, which makes noise
        look correlated: only for data known to be all signal.
    alpha : float in (0, 1]
        |decoded correlation| cut for switch–abundance pairs and plain features.
    alpha_switch, alpha_abundance : float or None
        Cuts for switch–switch and abundance–abundance pairs (default ``alpha``).
    allow_abundance_abundance : bool
        ``False`` forbids abundance–abundance edges (modules then link genes
        through their switches or across channels only).
    alpha_abundance_grid : sequence of float or None
        Choose ``alpha_abundance`` as the smallest value of the grid whose
        abundance–abundance edges merge no two modules found without them
        (every value from one similarity pass).
    activity_threshold, discordance_threshold : float
        Gene-role thresholds (see :func:`isograph.network.gene_roles`).
    {community_parameters}
    device : {"auto", "cpu", "cuda", "cuda:<i>", "mps"}
        ``"auto"`` uses CUDA when available, else the CPU; ``"mps"`` (Apple
        GPU) only when asked for. Results are reproducible under
        ``random_state`` on the CPU.
    n_threads : int or None
        CPU threads torch may use during ``fit`` (restored afterwards); ``None``
        keeps torch's setting. On a busy machine, or for small data, 1 is often
        fastest.
    random_state : int, RandomState or None
    verbose : int
        0 is silent; otherwise a per-epoch progress bar.

    Attributes
    ----------
    module_ : VaeModule
        The selected, trained torch module (on the CPU).
    latent_dim_ : int
    history_ : DataFrame
        Per-epoch training and validation losses of the selected model.
    feature_signal_ : DataFrame
        Per feature: ``reconstruction_r``, ``q_value`` of the signal test, ``signal``.
    calibration_ : dict
        ``elbo``, ``reconstruction``, ``kl`` (per sample, all samples, the
        reconstruction taken at the posterior mean), ``best_epoch``,
        ``early_stopped``, ``epochs_trained``, ``kl_per_dim``,
        ``collapsed_dims``, ``latent_dim`` and ``latent_grid`` (validation
        -ELBO per grid value), ``signal_test`` (null quantiles),
        ``n_signal_features``, ``thresholds`` (per channel pair, ``None`` =
        forbidden), ``alpha_abundance_grid`` (per grid value: edges, modules,
        merged pairs) and ``alpha_abundance_selected``.
    labels_, modules_, edges_, module_gene_roles_, n_modules_
        See :class:`BaseNetworkModel`.

    See Also
    --------
    isograph.models.save_checkpoint, isograph.models.load_checkpoint

    Notes
    -----
    With few samples a VAE can memorize them: once the latent dimension nears
    the number of training samples, the decoder reproduces even
    column-shuffled data, the permutation null of the signal test catches up
    with the real reconstruction and modules vanish. Latent sizes above a
    quarter of the training samples are therefore left out of the grid (the
    largest allowed size is used when none remains) with a
    :class:`~isograph.models.SmallDataWarning`, as is a validation split of
    fewer than 3 samples.

    Examples
    --------
    >>> import numpy as np
    >>> from isograph.models import VaeNetworkModel
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(100, 2))
    >>> X = np.hstack([z[:, [0]] + 0.5 * rng.normal(size=(100, 10)),
    ...                z[:, [1]] + 0.5 * rng.normal(size=(100, 10)),
    ...                rng.normal(size=(100, 10))])
    >>> model = VaeNetworkModel(4, min_module_size=5, n_threads=1, random_state=0).fit(X)
    >>> model.labels_.reshape(3, 10).tolist()[2] == [-1] * 10  # noise stays unassigned
    True
    >>> len(set(model.labels_[:10])), len(set(model.labels_[10:20]))
    (1, 1)
    """

    _parameter_constraints: dict = {
        **BaseNetworkModel._parameter_constraints, **COMMUNITIES, **VAE_CONSTRAINTS,
    }

    def __init__(
        self,
        latent_dim: int | Sequence[int] = (8, 16, 32),
        *,
        hidden_layer_sizes: Sequence[int] = (128,),
        dropout: float = 0.1,
        beta: float = 1.0,
        kl_warmup: int = 20,
        max_epochs: int = 300,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        n_iter_no_change: int = 20,
        tol: float = 1e-4,
        collapse_threshold: float = 0.01,
        signal_fdr: float | None = 0.05,
        alpha: float = 0.7,
        alpha_switch: float | None = None,
        alpha_abundance: float | None = None,
        allow_abundance_abundance: bool = True,
        alpha_abundance_grid: Sequence[float] | None = None,
        activity_threshold: float = 0.3,
        discordance_threshold: float = 0.0,
        min_module_size: int = 5,
        community: str = "leiden",
        resolution: float = 1.0,
        max_edges_per_feature: int | None = 30,
        max_edges: int | None = 20_000_000,
        merge_threshold: float | None = 0.85,
        device: str = "auto",
        n_threads: int | None = None,
        random_state=None,
        verbose: int = 0,
    ):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.collapse_threshold = collapse_threshold
        self.signal_fdr = signal_fdr
        self.alpha = alpha
        self.alpha_switch = alpha_switch
        self.alpha_abundance = alpha_abundance
        self.allow_abundance_abundance = allow_abundance_abundance
        self.alpha_abundance_grid = alpha_abundance_grid
        self.activity_threshold = activity_threshold
        self.discordance_threshold = discordance_threshold
        self.min_module_size = min_module_size
        self.community = community
        self.resolution = resolution
        self.max_edges_per_feature = max_edges_per_feature
        self.max_edges = max_edges
        self.merge_threshold = merge_threshold
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ params
    def _check_params(self) -> None:
        check_vae_params(self)

    def _role_params(self) -> dict:
        return {"activity_threshold": float(self.activity_threshold),
                "discordance_threshold": float(self.discordance_threshold)}

    # --------------------------------------------------------- training
    def _fit_network(self, Z, features):
        with torch_threads(self.n_threads):
            return fit_vae_network(self, Z, features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

