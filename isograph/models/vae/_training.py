"""The VAE training loop: fit -> fit_loop -> run_epoch -> train_step.

Adam on mini-batches of samples, a linear KL warm-up, early stopping on a
validation split with the best weights restored, and a per-epoch progress bar;
the epochs run inside the shared loop :func:`isograph._core._training.fit_loop`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..._core._training import fit_loop as shared_fit_loop
from ..._core._warn import warn
from ._module import VaeLoss, VaeModule


class PosteriorCollapseWarning(UserWarning):
    """Half or more of the VAE's latent dimensions carry (almost) no information."""


@dataclass
class TrainingConfig:
    """Optimization settings of one VAE fit (see :class:`VaeNetworkModel`)."""

    max_epochs: int = 300
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    beta: float = 1.0
    kl_warmup: int = 20
    early_stopping: bool = True
    n_iter_no_change: int = 20
    tol: float = 1e-4


@dataclass
class TrainingResult:
    """What the loop learned besides the weights (left in the module)."""

    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    early_stopped: bool = False
    epochs_trained: int = 0


def make_optimizer(module: VaeModule, config: TrainingConfig) -> torch.optim.Adam:
    """Adam; the fused kernel when this torch build has it (several times faster on CPU)."""
    kwargs = {"lr": config.learning_rate, "weight_decay": config.weight_decay}
    try:
        return torch.optim.Adam(module.parameters(), fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(module.parameters(), **kwargs)


def kl_weight(epoch: int, config: TrainingConfig) -> float:
    """KL weight at ``epoch`` (from 1): ``beta`` ramped up linearly over ``kl_warmup`` epochs."""
    if config.kl_warmup <= 0:
        return config.beta
    return config.beta * min(1.0, epoch / config.kl_warmup)


def train_step(module: VaeModule, optimizer: torch.optim.Optimizer, x: torch.Tensor,
               beta: float) -> VaeLoss:
    """One gradient step on batch ``x``."""
    optimizer.zero_grad(set_to_none=True)
    terms = module.loss(x, module(x), beta)
    terms.loss.backward()
    optimizer.step()
    return terms


def run_epoch(module: VaeModule, optimizer: torch.optim.Optimizer, X: torch.Tensor,
              batch_size: int, beta: float, generator: torch.Generator) -> dict:
    """One pass over ``X`` in shuffled mini-batches; returns the sample-weighted mean terms."""
    module.train()
    n = X.shape[0]
    order = torch.randperm(n, generator=generator).to(X.device)
    totals = np.zeros(3)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        if idx.numel() < 2 and n >= 2:  # a single-sample batch breaks nothing, but is noise
            continue
        terms = train_step(module, optimizer, X[idx], beta)
        totals += idx.numel() * np.array([terms.loss.item(), terms.reconstruction.item(),
                                          terms.kl.item()])
    totals /= max(n, 1)
    return {"loss": totals[0], "reconstruction": totals[1], "kl": totals[2]}


@torch.no_grad()
def evaluate(module: VaeModule, X: torch.Tensor, *, beta: float = 1.0,
             batch_size: int = 512) -> VaeLoss:
    """Loss terms of ``X`` in evaluation mode (latent means decoded, no dropout)."""
    module.eval()
    parts = []
    for start in range(0, X.shape[0], batch_size):
        x = X[start:start + batch_size]
        terms = module.loss(x, module(x), beta)
        parts.append((x.shape[0], terms))
    n = sum(k for k, _ in parts)

    def avg(name):
        return sum(k * getattr(t, name) for k, t in parts) / n

    return VaeLoss(avg("loss"), avg("reconstruction"), avg("kl"), avg("kl_per_dim"))


@torch.no_grad()
def decoded_signal(module: VaeModule, X: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Decoder mean of the posterior mean of every row of ``X`` (float32 numpy)."""
    module.eval()
    out = [module.decode(module.encode(X[s:s + batch_size])[0]).cpu()
           for s in range(0, X.shape[0], batch_size)]
    return torch.cat(out).numpy().astype(np.float32, copy=False)


@torch.no_grad()
def latent_mean(module: VaeModule, X: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Posterior mean of the latent code of every row of ``X`` (float64 numpy)."""
    module.eval()
    out = [module.encode(X[s:s + batch_size])[0].cpu() for s in range(0, X.shape[0], batch_size)]
    return torch.cat(out).numpy().astype(np.float64)


def fit_loop(
    module: VaeModule,
    X_train: torch.Tensor,
    X_val: torch.Tensor | None,
    config: TrainingConfig,
    *,
    generator: torch.Generator,
    max_epochs: int | None = None,
    verbose: int = 0,
    description: str = "VAE",
) -> TrainingResult:
    """Train ``module`` in place; with a validation set, keep the best epoch's weights.

    Parameters
    ----------
    module : VaeModule
    X_train : Tensor of shape (n_train, n_features)
    X_val : Tensor of shape (n_val, n_features) or None
        Early stopping (when ``config.early_stopping``) and best-weight
        selection watch the validation loss at the full ``beta``.
    config : TrainingConfig
    generator : torch.Generator
        Source of the mini-batch order.
    max_epochs : int, optional
        Overrides ``config.max_epochs`` (e.g. to train a null model for a fixed budget).
    verbose : int
        0: silent; otherwise a per-epoch progress bar on stderr.
    description : str
        Progress bar label.

    Returns
    -------
    TrainingResult
    """
    optimizer = make_optimizer(module, config)
    n_epochs = config.max_epochs if max_epochs is None else int(max_epochs)
    validated = X_val is not None and X_val.shape[0] > 0

    def train_epoch(epoch):
        beta = kl_weight(epoch, config)
        row = {"kl_weight": beta}
        row.update({f"train_{k}": v for k, v in run_epoch(
            module, optimizer, X_train, config.batch_size, beta, generator).items()})
        if not np.isfinite(row["train_loss"]):
            raise FloatingPointError(
                f"the VAE loss became {row['train_loss']} at epoch {epoch}; lower "
                f"learning_rate (got {config.learning_rate})"
            )
        return row

    def validate(epoch, row):
        if not validated:
            return {}
        terms = evaluate(module, X_val, beta=config.beta)
        return {"val_loss": terms.loss.item(), "val_reconstruction": terms.reconstruction.item(),
                "val_kl": terms.kl.item()}

    monitor = "val_loss" if validated else "train_loss"
    loop = shared_fit_loop(
        module, train_epoch, validate, monitor=monitor, max_epochs=n_epochs,
        patience=config.n_iter_no_change if config.early_stopping else None,
        higher_is_better=False, min_delta=config.tol, relative_delta=True, first_epoch=1,
        # while the KL weight ramps up, losses of different epochs are not comparable
        monitor_from=max(config.kl_warmup, 1),
        postfix=lambda row, best: {"loss": f"{row['train_loss']:.4g}",
                                   "val": f"{row[monitor]:.4g}"},
        verbose=verbose, desc=description,
    )
    result = TrainingResult(history=loop.history, early_stopped=loop.stopped_early,
                            epochs_trained=loop.epochs_trained)
    # never past the warm-up: the last epoch stands
    result.best_epoch = loop.epochs_trained if loop.best_epoch is None else loop.best_epoch
    return result


def collapsed_dimensions(kl_per_dim: np.ndarray, threshold: float) -> np.ndarray:
    """Indices of latent dimensions whose KL is below ``threshold`` nats."""
    return np.flatnonzero(np.asarray(kl_per_dim) < threshold)


def warn_if_collapsed(kl_per_dim: np.ndarray, threshold: float) -> np.ndarray:
    """Warn (:class:`PosteriorCollapseWarning`) when half or more dimensions collapsed."""
    collapsed = collapsed_dimensions(kl_per_dim, threshold)
    d = len(kl_per_dim)
    if d and 2 * collapsed.size >= d:
        warn(
            f"posterior collapse: {collapsed.size} of {d} latent dimensions have KL < "
            f"{threshold} nats (dimensions {collapsed.tolist()}); the decoded signal uses "
            "few latent factors. Lower beta, lengthen kl_warmup or choose a smaller latent_dim.",
            PosteriorCollapseWarning)
    return collapsed
