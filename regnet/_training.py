"""RegNet's epochs over the shared early-stopping loop.

``fit_loop`` adapts one full-batch optimiser step per epoch to
:func:`isograph._core._training.fit_loop` (early stopping, best-state
restore); ``train_regnet`` builds RegNet's batches (edge masking, negative
sampling) and hands them to it.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.metrics import average_precision_score

from isograph._core._training import fit_loop as shared_fit_loop

from ._inputs import sample_negatives

__all__ = [
    "FitResult",
    "fit_loop",
    "train_regnet",
]


@dataclass
class FitResult:
    """What :func:`fit_loop` returns.

    Attributes
    ----------
    history : list of dict
        One record per epoch: ``epoch``, the loss terms returned by the step,
        ``validation_score`` and ``seconds`` (elapsed since the start).
    best_epoch : int
        Epoch (0-based) whose parameters were restored.
    best_score : float
        Validation score of that epoch.
    stopped_early : bool
        True if patience ran out before ``max_epochs``.
    """

    history: list[dict] = field(default_factory=list)
    best_epoch: int = -1
    best_score: float = -math.inf
    stopped_early: bool = False


def fit_loop(
    module: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    step: Callable[[int], tuple[torch.Tensor, dict[str, float]]],
    validate: Callable[[], float],
    *,
    max_epochs: int,
    patience: int,
    grad_clip: float | None = 5.0,
    verbose: int = 0,
    desc: str = "training",
) -> FitResult:
    """Full-batch training with early stopping on a validation score.

    RegNet's epochs over the shared :func:`isograph._core._training.fit_loop`:
    each epoch is one optimiser step, ``loss, record = step(epoch)``,
    backward, optional gradient clipping; then ``score = validate()``. The
    parameters of the epoch with the strictly highest score (no
    ``min_delta``, epochs from 0) are restored at the end; when no epoch
    scored (NaN throughout), the initial parameters are.

    Parameters
    ----------
    module : torch.nn.Module
        Trained in place.
    optimizer : torch.optim.Optimizer
        Over ``module``'s parameters.
    step : callable
        ``step(epoch) -> (loss, record)``: builds the epoch's batch and returns
        the scalar loss to minimise and a dict of floats to log.
    validate : callable
        ``validate() -> float``, higher is better (e.g. validation AUPRC).
    max_epochs : int
        Upper bound on epochs.
    patience : int
        Stop after this many epochs without improvement.
    grad_clip : float or None, default=5.0
        Maximum gradient norm.
    verbose : int, default=0
        0 silences the progress bar.
    desc : str, default="training"
        Progress bar label.

    Returns
    -------
    FitResult
    """
    initial = copy.deepcopy(module.state_dict())
    start = time.perf_counter()
    last_loss = [math.nan]

    def train_epoch(epoch):
        optimizer.zero_grad(set_to_none=True)
        loss, record = step(epoch)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"The training loss became {float(loss)} at epoch {epoch}; lower "
                "learning_rate or check the input for extreme values."
            )
        loss.backward()
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(module.parameters(), grad_clip)
        optimizer.step()
        last_loss[0] = float(loss.detach())
        return record

    def score(epoch, record):
        return {"validation_score": float(validate()), "seconds": time.perf_counter() - start}

    def postfix(record, best):
        return {"loss": f"{last_loss[0]:.4f}", "val": f"{record['validation_score']:.4f}",
                "best": f"{-math.inf if best is None else best:.4f}"}

    loop = shared_fit_loop(
        module, train_epoch, score, monitor="validation_score", max_epochs=max_epochs,
        patience=patience, higher_is_better=True, postfix=postfix, verbose=verbose, desc=desc,
    )
    if loop.best_epoch is None:
        module.load_state_dict(initial)
        return FitResult(history=loop.history, stopped_early=loop.stopped_early)
    return FitResult(history=loop.history, best_epoch=loop.best_epoch,
                     best_score=loop.best_score, stopped_early=loop.stopped_early)


def train_regnet(model, X, positives, negatives, tf_idx, validation, rng) -> FitResult:
    """Train ``model.module_`` (a :class:`regnet.RegNet` being fitted) with :func:`fit_loop`.

    Parameters
    ----------
    model : RegNet
        Supplies the hyper-parameters, the device and ``_features``.
    X : pandas.DataFrame
        Checked expression (genes x cells).
    positives, negatives : tuple of numpy.ndarray
        ``(src, dst)`` gene indices of the known positives and of the
        labelled negatives.
    tf_idx : numpy.ndarray
        Gene indices of the candidate regulators.
    validation : tuple of numpy.ndarray or None
        ``(src, dst, label)`` scored each epoch (AUPRC); None scores an epoch
        by its negated training loss (networks too small to validate on).
    rng : numpy.random.Generator
        Draws the edge masks and the random negatives.

    Returns
    -------
    FitResult

    Notes
    -----
    Before training, ``edge_mask_pool`` masks each hide a random
    ``edge_mask_rate`` of the positives; the graph of the remaining positives
    (degrees rescaled by ``1 / (1 - edge_mask_rate)``) carries the messages
    and the structural features. An epoch takes one mask: its hidden
    positives are the supervised positives, against ``negative_ratio`` random
    non-edges per positive (the same number per TF) plus the labelled
    negatives. Validation uses the graph of all positives.
    """
    src, dst = positives
    n = len(X)
    known = np.unique(src * n + dst)
    tensor = model._tensor
    full = model._features(X, src, dst)
    if validation is not None:
        v_src, v_dst = tensor(validation[0]), tensor(validation[1])
        v_pairs = full.pairs(v_src, v_dst)
    last_loss = [math.inf]
    scale = 1.0 / (1.0 - model.edge_mask_rate)
    masks = []  # (hidden positives, features of the graph of the other positives)
    for _ in range(model.edge_mask_pool):
        hidden = rng.random(len(src)) < model.edge_mask_rate
        hidden[rng.integers(len(src))] = True  # at least one supervised positive
        masks.append((hidden, model._features(X, src[~hidden], dst[~hidden], scale)))
    module = model.module_
    optimizer = torch.optim.Adam(
        module.parameters(), lr=model.learning_rate, weight_decay=model.weight_decay
    )

    def step(epoch):
        hidden, feats = masks[rng.integers(len(masks))]
        r_src, r_dst = sample_negatives(
            rng, tf_idx, n, int(math.ceil(model.negative_ratio * hidden.sum())), known
        )
        b_src = tensor(np.concatenate([src[hidden], r_src, negatives[0]]))
        b_dst = tensor(np.concatenate([dst[hidden], r_dst, negatives[1]]))
        label = torch.zeros(b_src.numel(), device=b_src.device)
        label[: int(hidden.sum())] = 1.0
        loss = module.loss(
            feats.x, feats.edge_index, b_src, b_dst, label, feats.expression,
            feats.pairs(b_src, b_dst),
            beta=model.beta,
            reconstruction_weight=model.reconstruction_weight,
            entropy_weight=model.entropy_weight,
        )
        last_loss[0] = float(loss.total.detach())
        return loss.total, loss.as_dict()

    def validate():
        if validation is None:  # too small a network: follow the training loss
            return -last_loss[0]
        logits = module(full.x, full.edge_index, v_src, v_dst, v_pairs)
        return average_precision_score(validation[2], logits.cpu().numpy())

    return fit_loop(
        module, optimizer, step, validate,
        max_epochs=model.max_epochs, patience=model.patience,
        verbose=model.verbose, desc="RegNet",
    )
