"""A :class:`~isograph.FitResult` written into an AnnData object (for scanpy users)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import sparse

from ._core import to_jsonable


def result_to_anndata(result, adata=None):
    """What :meth:`isograph.FitResult.to_anndata` does (on ``result``)."""
    try:
        import anndata as ad
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("to_anndata needs anndata: pip install isograph[anndata]") from err
    genes, adj = result.gene_adjacency()
    if adata is None and result.features is None:
        raise ValueError("adata is needed for a loaded result: a fit folder holds no "
                         "features matrix; pass the samples x genes AnnData")
    if adata is None:
        X = result.features
        abundance = [c for c in X.columns if str(c).endswith("::abundance")]
        if abundance:
            X = X[abundance].rename(columns=lambda c: str(c).rsplit("::", 1)[0])
        X = X.reindex(columns=genes)
        adata = ad.AnnData(X=X.to_numpy(dtype=np.float32).copy(),
                           obs=pd.DataFrame(index=X.index.astype(str)),
                           var=pd.DataFrame(index=genes))
    else:
        adata = adata.copy()
    var_genes = pd.Index(adata.var_names.astype(str))
    pos = genes.get_indexer(var_genes)
    module = result.modules.set_index(result.modules["gene_id"].astype(str))["module_id"]
    adata.var["isograph_module"] = module.reindex(var_genes).fillna(-1).astype(int).to_numpy()
    if "channel" in result.modules:
        chan = result.modules.set_index(result.modules["gene_id"].astype(str))["channel"]
        adata.var["isograph_channel"] = chan.reindex(var_genes).astype(object).to_numpy()
    # re-index the adjacency onto adata's genes; unknown genes get empty rows
    known = pos >= 0
    P = sparse.csr_matrix((np.ones(known.sum()), (np.flatnonzero(known), pos[known])),
                          shape=(len(var_genes), len(genes)))
    adata.varp["isograph_adjacency"] = (P @ adj @ P.T).tocsr()
    if len(result.eigengenes.columns) and set(adata.obs_names) <= set(
            result.eigengenes.index.astype(str)):
        eig = result.eigengenes.copy()
        eig.index = eig.index.astype(str)
        adata.obsm["isograph_eigengenes"] = eig.loc[adata.obs_names].to_numpy()
    adata.uns["isograph"] = {
        "config": json.dumps(to_jsonable(result.config)),
        "calibration": json.dumps(to_jsonable(result.calibration)),
        "modules": [str(c) for c in result.eigengenes.columns],
    }
    return adata
