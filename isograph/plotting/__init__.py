"""Figures of a fit: module–trait and eigengene heatmaps, module sizes, module drivers.

Every function draws on the ``ax`` it is given (or a new figure) and returns
the Axes; none shows or saves the figure (the caller does,
``ax.figure.savefig(...)``). ``isograph report --fit-dir DIR`` writes them all
as PNGs next to a fit's artifacts.
"""

from ._heatmaps import (
    eigengene_clustering,
    plot_eigengene_correlation,
    plot_module_trait_heatmap,
    trait_correlation,
)
from ._modules import module_size_table, plot_module_drivers, plot_module_sizes, top_drivers

__all__ = [
    "eigengene_clustering",
    "module_size_table",
    "plot_eigengene_correlation",
    "plot_module_drivers",
    "plot_module_sizes",
    "plot_module_trait_heatmap",
    "top_drivers",
    "trait_correlation",
]
