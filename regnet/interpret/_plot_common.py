"""Helpers shared by the plotting modules: the Axes, and TFs drawn over other genes."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _get_ax(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax

def _tf_mask(index: pd.Index, tfs) -> np.ndarray:
    if tfs is None:
        return np.zeros(len(index), dtype=bool)
    if isinstance(tfs, pd.Series) and tfs.dtype == bool:
        return tfs.reindex(index, fill_value=False).to_numpy()
    return index.isin([str(t) for t in tfs])


def _scatter_by_tf(ax, x, y, is_tf, *, tf_color, other_color, **kwargs):
    kwargs.setdefault("s", 12)
    kwargs.setdefault("alpha", 0.7)
    kwargs.setdefault("linewidths", 0)
    is_tf = np.asarray(is_tf, dtype=bool)
    ax.scatter(x[~is_tf], y[~is_tf], color=other_color,
               label=f"other genes ({int((~is_tf).sum())})", **kwargs)
    if is_tf.any():
        ax.scatter(x[is_tf], y[is_tf], color=tf_color, label=f"TFs ({int(is_tf.sum())})",
                   **kwargs)
