"""The one early-stopping loop shared by isograph's VAE and RegNet.

Shaped like skorch's: ``fit_loop`` runs epochs; an epoch is the caller's
``train_epoch`` (its own steps: mini-batches or one full batch) followed by
``validate``; the loop owns what is common -- the history, the monitored
score, patience, the best-state copy and restore, and the progress bar.
Each package keeps its semantics through the parameters (which way is
better, an absolute or relative ``min_delta``, from which epoch scores
count). torch is imported only when the loop runs, so importing
:mod:`isograph._core` never loads it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from tqdm.auto import tqdm

__all__ = ["LoopResult", "fit_loop", "improves"]


@dataclass
class LoopResult:
    """What :func:`fit_loop` returns (the best weights are left in the module).

    Attributes
    ----------
    history : list of dict
        One record per epoch: ``epoch``, then what ``train_epoch`` returned,
        then what ``validate`` returned.
    best_epoch : int or None
        Epoch whose state was restored; None when no epoch was monitored
        (or none had a usable score), and the last state stands.
    best_score : float or None
        The monitored score of ``best_epoch``.
    stopped_early : bool
        True when patience ran out before ``max_epochs``.
    epochs_trained : int
        Number of the last epoch run.
    """

    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    best_score: float | None = None
    stopped_early: bool = False
    epochs_trained: int = 0


def improves(score: float, best: float | None, *, higher_is_better: bool,
             min_delta: float = 0.0, relative: bool = False) -> bool:
    """Whether ``score`` beats ``best`` by more than ``min_delta``.

    The first usable score (``best`` None) always improves; a NaN score
    never does. With ``relative``, the margin is ``min_delta * max(|best|, 1)``
    (scikit-learn's ``tol`` for losses of any scale).
    """
    if math.isnan(score):
        return False
    if best is None:
        return True
    margin = min_delta * max(abs(best), 1.0) if relative else min_delta
    return score > best + margin if higher_is_better else score < best - margin


def fit_loop(
    module,
    train_epoch: Callable[[int], dict],
    validate: Callable[[int, dict], dict],
    *,
    monitor: str,
    max_epochs: int,
    patience: int | None,
    higher_is_better: bool,
    min_delta: float = 0.0,
    relative_delta: bool = False,
    first_epoch: int = 0,
    monitor_from: int | None = None,
    postfix: Callable[[dict, float | None], dict] | None = None,
    verbose: int = 0,
    desc: str = "training",
) -> LoopResult:
    """Train ``module`` in place with early stopping; restore its best state.

    Per epoch: ``module.train()``, ``train_epoch(epoch)``; ``module.eval()``
    and ``validate(epoch, record)`` under ``torch.no_grad()``; the record
    joins the history; then the monitored score is compared with the best.
    A better score copies ``module.state_dict()``; otherwise the epoch counts
    towards ``patience``. At the end the best copy is loaded and the module
    is left in evaluation mode.

    Parameters
    ----------
    module : torch.nn.Module
        Trained in place.
    train_epoch : callable
        ``train_epoch(epoch) -> dict``: runs the epoch's optimiser steps and
        returns floats to log (raise there on a non-finite loss).
    validate : callable
        ``validate(epoch, record) -> dict``: floats to log after training;
        ``record`` holds ``epoch`` and the training entries.
    monitor : str
        History key of the score that selects the best epoch.
    max_epochs : int
        Number of epochs at most.
    patience : int or None
        Stop once this many monitored epochs in a row did not improve;
        None never stops early.
    higher_is_better : bool
        True for scores (AUPRC), False for losses.
    min_delta : float, default=0.0
        Margin a score must beat the best by to count as an improvement.
    relative_delta : bool, default=False
        Scale ``min_delta`` by ``max(|best|, 1)``.
    first_epoch : int, default=0
        Number of the first epoch (0 or 1).
    monitor_from : int, optional
        Epochs before this one are logged but neither improve nor count
        towards patience (e.g. while a loss weight warms up); default
        ``first_epoch``.
    postfix : callable, optional
        ``postfix(record, best_score) -> dict`` shown on the progress bar;
        default the monitored score.
    verbose : int, default=0
        0 silences the progress bar.
    desc : str, default="training"
        Progress bar label.

    Returns
    -------
    LoopResult
    """
    import torch

    start = first_epoch if monitor_from is None else monitor_from
    result, best_state, stale = LoopResult(), None, 0
    bar = tqdm(range(first_epoch, first_epoch + max_epochs), desc=desc,
               disable=not verbose, leave=False)
    for epoch in bar:
        module.train()
        record = {"epoch": epoch, **train_epoch(epoch)}
        module.eval()
        with torch.no_grad():
            record.update(validate(epoch, record))
        result.history.append(record)
        result.epochs_trained = epoch
        if epoch >= start:
            score = float(record[monitor])
            if improves(score, result.best_score, higher_is_better=higher_is_better,
                        min_delta=min_delta, relative=relative_delta):
                result.best_epoch, result.best_score, stale = epoch, score, 0
                best_state = copy.deepcopy(module.state_dict())
            else:
                stale += 1
        shown = (postfix(record, result.best_score) if postfix
                 else {monitor: f"{record[monitor]:.4g}"})
        bar.set_postfix(shown, refresh=False)
        if patience is not None and stale >= patience:
            result.stopped_early = True
            break
    bar.close()
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return result
