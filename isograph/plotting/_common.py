"""Shared plotting helpers: an Axes to draw on, module ordering, heatmap cells."""

from __future__ import annotations

import re

import numpy as np

#: Colour of each channel in the module figures (matplotlib's default cycle).
CHANNEL_COLORS = {"switch": "C0", "abundance": "C1", "both": "C2", None: "0.45"}


def get_ax(ax):
    """``ax``, or the Axes of a new pyplot figure when ``ax`` is ``None``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def natural_key(name) -> tuple:
    """Sort key that puts ``M2`` before ``M10``."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", str(name)))


def annotate_cells(ax, values: np.ndarray, labels, *, fontsize: float) -> None:
    """Write ``labels[i][j]`` in each heatmap cell, black or white by cell darkness."""
    image = ax.images[-1]
    rgba = image.cmap(image.norm(np.ma.masked_invalid(values)))
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if not labels[i][j]:
                continue
            r, g, b = rgba[i, j, :3]
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=fontsize,
                    color="white" if dark else "black")
