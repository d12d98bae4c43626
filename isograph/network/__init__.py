"""Pure functions every network backend shares.

Blocked similarity to sparse edges, the multiplex edge policy, FDR control,
modules from a graph, the module-id rule, eigengenes, gene roles, trait tests.
"""

from ._channels import CHANNEL_SEPARATOR, feature_table, is_multiplex
from ._edges import (
    ABUNDANCE,
    DEFAULT_MAX_EDGES,
    PLAIN,
    SWITCH,
    EdgeBudgetError,
    channel_thresholds,
    threshold_edges,
)
from ._eigengenes import fit_eigengene_loadings
from ._fdr import bh_adjust, bh_weight_threshold, correlation_pvalue
from ._module_ids import module_id_of, module_label
from ._modules import COMMUNITY_METHODS, collapse_edges, detect_modules
from ._roles import ROLES, gene_roles
from ._row_blocks import (
    correlation_block,
    default_block_size,
    low_rank_precision_blocks,
    scaled_gram_block,
    standardize,
)
from ._stability import StabilityResult, stability_selection
from ._traits import trait_associations

__all__ = [
    "ABUNDANCE",
    "CHANNEL_SEPARATOR",
    "COMMUNITY_METHODS",
    "DEFAULT_MAX_EDGES",
    "EdgeBudgetError",
    "PLAIN",
    "ROLES",
    "SWITCH",
    "StabilityResult",
    "bh_adjust",
    "bh_weight_threshold",
    "channel_thresholds",
    "collapse_edges",
    "correlation_block",
    "correlation_pvalue",
    "default_block_size",
    "detect_modules",
    "feature_table",
    "fit_eigengene_loadings",
    "gene_roles",
    "is_multiplex",
    "low_rank_precision_blocks",
    "module_id_of",
    "module_label",
    "scaled_gram_block",
    "stability_selection",
    "standardize",
    "threshold_edges",
    "trait_associations",
]
