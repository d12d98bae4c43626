"""Parameter descriptions the Python backends share, written once.

A class docstring holds ``{community_parameters}`` on a line of its own (at
the Parameters section's indentation); :func:`share_docs` puts the text in.
"""

from __future__ import annotations

import textwrap

_COMMUNITY_PARAMETERS = """\
min_module_size : int, default=5
    Smaller communities are left unassigned (``-1``).
community : {"leiden", "components"}, default="leiden"
    Leiden communities of the gene graph, or its connected components.
resolution : float, default=1.0
    Leiden resolution (larger: more, smaller modules).
merge_threshold : float in (0, 1] or None, default=0.85
    Modules whose eigengenes correlate at ``|r| >= merge_threshold``
    (average linkage) are merged, as WGCNA's ``mergeCloseModules`` does
    (``mergeCutHeight = 1 - merge_threshold``): community detection cuts a
    large, smooth response into patches with arbitrary borders. ``None``
    keeps the communities as found.
max_edges_per_feature : int or None, default=30
    Each feature keeps at most this many of its strongest edges that pass
    the rule (an edge stays when either endpoint keeps it), so the edge
    table holds at most ``max_edges_per_feature * n_features`` rows and
    modules come from a sparse neighbour graph. ``None`` keeps every
    passing edge (on a strong biological response, tens of millions from
    30,000 features).
max_edges : int or None, default=20_000_000
    Edge budget: a fit that would keep more edges stops, before the full
    edge pass when an estimate already exceeds it, with an
    :class:`~isograph.network.EdgeBudgetError` naming the remedies."""

_SHARED = {"community_parameters": _COMMUNITY_PARAMETERS}


def share_docs(cls: type) -> type:
    """Class decorator: fill the shared parameter descriptions into ``cls.__doc__``."""
    doc = cls.__doc__
    for key, text in _SHARED.items():
        placeholder = "    {" + key + "}"
        if placeholder in doc:
            doc = doc.replace(placeholder, textwrap.indent(text, "    "))
    cls.__doc__ = doc
    return cls
