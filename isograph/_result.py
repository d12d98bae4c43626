"""The result of a workflow run: labelled tables, and how they are written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from ._core import OutputFolder

ARTIFACTS = (
    "modules.parquet",
    "edges.parquet",
    "traits.parquet",
    "feature_scores.parquet",
    "module_gene_roles.parquet",
    "eigengenes.parquet",
    "calibration.json",
    "fit_config.json",
)


def to_jsonable(value):
    """Convert numpy / pandas scalars and containers into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return f if np.isfinite(f) else None
    if isinstance(value, (pd.Series, pd.Index)):
        return to_jsonable(value.tolist())
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.to_dict(orient="list"))
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return repr(value)


#: The file that marks a folder as an isograph fit output (the only kind ``save`` replaces).
FIT_MARKER = "fit_config.json"


def atomic_directory(directory, *, overwrite: bool, marker=FIT_MARKER,
                     what: str = "an isograph fit output", param: str = "directory",
                     flag: str = "overwrite=True"):
    """Context helper: yields a temporary sibling folder that becomes ``directory`` on success.

    A thin name over :class:`isograph._core.OutputFolder`: an existing non-empty
    ``directory`` is refused unless ``overwrite``, and even then it is replaced
    only when it holds ``marker`` (checked at the start and again at the end).
    """
    return OutputFolder(directory, marker=marker, what=what, overwrite=overwrite,
                        param=param, flag=flag)


@dataclass
class FitResult:
    """What :func:`isograph.fit_dataset` returns.

    Attributes
    ----------
    model : estimator
        The fitted backend.
    features : DataFrame
        Samples x features matrix the backend saw (after residualization).
    modules, edges : DataFrame
        The backend's ``modules_`` and ``edges_``.
    eigengenes : DataFrame
        Samples x modules.
    traits : DataFrame
        Module–trait associations (see :func:`isograph.network.trait_associations`).
    feature_scores : DataFrame
        Per feature: gene, channel, module, module membership (correlation with
        its module's eigengene), degree and strength in the edge list.
    module_gene_roles : DataFrame or None
        Multiplex runs only.
    calibration : dict
    config : dict
        Resolved parameters, package version, data summary.
    residualizer_qc : DataFrame or None
    """

    model: object
    features: pd.DataFrame
    modules: pd.DataFrame
    edges: pd.DataFrame
    eigengenes: pd.DataFrame
    traits: pd.DataFrame
    feature_scores: pd.DataFrame
    module_gene_roles: pd.DataFrame | None
    calibration: dict
    config: dict
    residualizer_qc: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)

    def save(self, directory, *, overwrite: bool = False) -> Path:
        """Write the artifacts into ``directory`` atomically.

        Files: ``modules.parquet``, ``edges.parquet``, ``traits.parquet``,
        ``feature_scores.parquet``, ``eigengenes.parquet``,
        ``module_gene_roles.parquet`` (multiplex), ``calibration.json``,
        ``fit_config.json``, and ``vae_checkpoint.pt`` for the VAE backend.

        Parameters
        ----------
        directory : path
        overwrite : bool
            Replace an existing fit output (a folder holding ``fit_config.json``),
            only once the new one is complete; any other non-empty folder, a
            file, or the current directory is refused.

        Returns
        -------
        Path of the written directory.
        """
        with atomic_directory(directory, overwrite=overwrite) as tmp:
            self._write_artifacts(tmp)
        return Path(directory)

    def _write_artifacts(self, folder: Path) -> None:
        """Write every artifact into the existing, empty ``folder`` (no atomicity here)."""
        self.modules.to_parquet(folder / "modules.parquet", index=False)
        self.edges.to_parquet(folder / "edges.parquet", index=False)
        self.traits.to_parquet(folder / "traits.parquet", index=False)
        self.feature_scores.to_parquet(folder / "feature_scores.parquet", index=False)
        self.eigengenes.to_parquet(folder / "eigengenes.parquet")
        if self.module_gene_roles is not None:
            self.module_gene_roles.to_parquet(folder / "module_gene_roles.parquet", index=False)
        if self.residualizer_qc is not None:
            self.residualizer_qc.to_parquet(folder / "residualizer_qc.parquet")
        (folder / "calibration.json").write_text(json.dumps(to_jsonable(self.calibration),
                                                            indent=2))
        save_checkpoint = getattr(self.model, "save_checkpoint", None)
        if callable(save_checkpoint):
            save_checkpoint(folder / "vae_checkpoint.pt")
        # the marker last: a folder holding it is a complete fit output
        (folder / FIT_MARKER).write_text(json.dumps(to_jsonable(self.config), indent=2))

    def gene_adjacency(self) -> tuple[pd.Index, sparse.csr_matrix]:
        """Symmetric gene x gene adjacency (strongest |weight| between two genes)."""
        genes = pd.Index(self.modules["gene_id"].astype(str))
        if "source_gene" in self.edges:
            src, dst = self.edges["source_gene"], self.edges["target_gene"]
        else:
            src, dst = self.edges["source"], self.edges["target"]
        i = genes.get_indexer(src.astype(str))
        j = genes.get_indexer(dst.astype(str))
        ok = (i >= 0) & (j >= 0) & (i != j)
        w = np.abs(self.edges["weight"].to_numpy()[ok])
        pairs = pd.DataFrame({"i": np.r_[i[ok], j[ok]], "j": np.r_[j[ok], i[ok]], "w": np.r_[w, w]})
        # two channels of a gene pair may both carry an edge: keep the strongest
        strongest = pairs.groupby(["i", "j"], sort=False)["w"].max().reset_index()
        n = len(genes)
        adj = sparse.coo_matrix((strongest["w"], (strongest["i"], strongest["j"])), shape=(n, n))
        return genes, adj.tocsr()

    def to_anndata(self, adata=None):
        """Write the result into an AnnData object (for scanpy users).

        Module labels go to ``var["isograph_module"]`` (and ``var["isograph_channel"]``
        in multiplex runs), the gene adjacency to ``varp["isograph_adjacency"]``,
        eigengenes to ``obsm["isograph_eigengenes"]`` and parameters to
        ``uns["isograph"]``.

        Parameters
        ----------
        adata : AnnData, optional
            Samples x genes; its ``var_names`` must be gene ids. Genes the
            result does not know get module ``-1``. When omitted a new AnnData
            is made whose ``X`` is the abundance channel (or the features).

        Returns
        -------
        AnnData
        """
        try:
            import anndata as ad
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("to_anndata needs anndata: pip install isograph[anndata]") from err
        genes, adj = self.gene_adjacency()
        if adata is None:
            X = self.features
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
        module = self.modules.set_index(self.modules["gene_id"].astype(str))["module_id"]
        adata.var["isograph_module"] = module.reindex(var_genes).fillna(-1).astype(int).to_numpy()
        if "channel" in self.modules:
            chan = self.modules.set_index(self.modules["gene_id"].astype(str))["channel"]
            adata.var["isograph_channel"] = chan.reindex(var_genes).astype(object).to_numpy()
        # re-index the adjacency onto adata's genes; unknown genes get empty rows
        known = pos >= 0
        P = sparse.csr_matrix((np.ones(known.sum()), (np.flatnonzero(known), pos[known])),
                              shape=(len(var_genes), len(genes)))
        adata.varp["isograph_adjacency"] = (P @ adj @ P.T).tocsr()
        if len(self.eigengenes.columns) and set(adata.obs_names) <= set(
                self.eigengenes.index.astype(str)):
            eig = self.eigengenes.copy()
            eig.index = eig.index.astype(str)
            adata.obsm["isograph_eigengenes"] = eig.loc[adata.obs_names].to_numpy()
        adata.uns["isograph"] = {
            "config": json.dumps(to_jsonable(self.config)),
            "calibration": json.dumps(to_jsonable(self.calibration)),
            "modules": [str(c) for c in self.eigengenes.columns],
        }
        return adata
