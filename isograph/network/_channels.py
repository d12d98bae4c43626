"""Which gene and channel each feature column belongs to."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..features._multiplex import ABUNDANCE_CHANNEL, CHANNEL_SEPARATOR, SWITCH_CHANNEL
from ._edges import ABUNDANCE, PLAIN, SWITCH

CHANNEL_CODES = {SWITCH_CHANNEL: SWITCH, ABUNDANCE_CHANNEL: ABUNDANCE}


def feature_table(feature_names) -> pd.DataFrame:
    """Parse feature names into ``feature, gene_id, channel, code`` columns.

    A name ``"<gene>::switch"`` or ``"<gene>::abundance"`` belongs to a channel;
    any other name is a plain feature and is its own gene. A table is
    ``multiplex`` (see :func:`is_multiplex`) when every feature has a channel.
    """
    names = pd.Index([str(f) for f in feature_names])
    parts = names.str.rsplit(CHANNEL_SEPARATOR, n=1)
    gene = np.array([p[0] if len(p) == 2 and p[1] in CHANNEL_CODES else n
                     for p, n in zip(parts, names)], dtype=object)
    channel = np.array([p[1] if len(p) == 2 and p[1] in CHANNEL_CODES else None
                        for p in parts], dtype=object)
    code = np.array([CHANNEL_CODES.get(c, PLAIN) for c in channel], dtype=np.int64)
    # an explicit object Series: pandas 3 would otherwise infer its string dtype and turn the
    # plain features' None into NaN
    return pd.DataFrame({"feature": names, "gene_id": gene,
                         "channel": pd.Series(channel, dtype=object), "code": code})


def is_multiplex(features: pd.DataFrame) -> bool:
    """True when every feature carries a ``::switch`` or ``::abundance`` channel."""
    return bool(len(features)) and bool((features["code"] != PLAIN).all())
