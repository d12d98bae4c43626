"""The result of a workflow run: labelled tables, and how they are written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import sparse

from ._core import OutputFolder, to_jsonable

#: What every fit folder holds besides its marker (load refuses a folder without one).
REQUIRED_ARTIFACTS = (
    "modules.parquet",
    "edges.parquet",
    "traits.parquet",
    "feature_scores.parquet",
    "eigengenes.parquet",
    "calibration.json",
)


#: The file that marks a folder as an isograph fit output (the only kind ``save`` replaces).
FIT_MARKER = "fit_config.json"
#: The VAE backend's checkpoint inside a fit folder (:meth:`FitResult.load_model` reads it).
CHECKPOINT = "vae_checkpoint.pt"


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
    directory : Path or None
        The folder a loaded result was read from (:meth:`load`); ``None`` for a
        result fitted in this session.

    Notes
    -----
    Modules are keyed by the integer ``module_id`` in every table; ``"M<k>"``
    (:func:`isograph.network.module_label`) is only the label of module ``k``:
    the eigengene column names and the ``module`` column of ``traits``.
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
    directory: Path | None = None

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
            save_checkpoint(folder / CHECKPOINT)
        # the marker last: a folder holding it is a complete fit output
        (folder / FIT_MARKER).write_text(json.dumps(to_jsonable(self.config), indent=2))

    @classmethod
    def load(cls, directory) -> FitResult:
        """Read a fit folder written by :meth:`save` (the only reader of that format).

        Parameters
        ----------
        directory : path
            A folder holding ``fit_config.json`` (``isograph fit`` or :meth:`save`).

        Returns
        -------
        FitResult
            Every table, ``calibration`` and ``config`` as saved, and ``directory``.
            ``model`` and ``features`` are ``None``: the folder holds no features
            matrix, and a VAE's checkpoint is read by :meth:`load_model` once
            the features it was fitted on are known.

        Raises
        ------
        FileNotFoundError
            ``directory`` is not a folder, holds no ``fit_config.json``, or lacks
            one of the tables every fit writes; the message names it.
        """
        folder = Path(directory)
        if not folder.is_dir():
            raise FileNotFoundError(f"directory {str(folder)!r} is not a folder")
        if not (folder / FIT_MARKER).is_file():
            raise FileNotFoundError(f"directory {str(folder)!r} holds no {FIT_MARKER}, so it is "
                                    "not an isograph fit output")
        missing = [name for name in REQUIRED_ARTIFACTS if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(f"directory {str(folder)!r} lacks {', '.join(missing)}: "
                                    "an incomplete or foreign fit folder; fit again")

        def read(name):
            table = pd.read_parquet(folder / name)
            # pandas 3 reads every text column as its str dtype (NaN for missing); the columns
            # saved as object (channel: None for a plain feature) are object again, so that a
            # loaded fit equals the fit that was saved under pandas 2 and 3 alike
            meta = pq.read_schema(folder / name).pandas_metadata or {}
            saved = {c["name"]: c["numpy_type"] for c in meta.get("columns", [])}
            for column in table.select_dtypes(include=["string"]).columns:
                if saved.get(column) == "object":
                    values = table[column].astype(object)
                    table[column] = values.where(values.notna(), None)
            return table

        def optional(name):
            return read(name) if (folder / name).is_file() else None

        return cls(
            model=None, features=None,
            modules=read("modules.parquet"),
            edges=read("edges.parquet"),
            eigengenes=read("eigengenes.parquet"),
            traits=read("traits.parquet"),
            feature_scores=read("feature_scores.parquet"),
            module_gene_roles=optional("module_gene_roles.parquet"),
            calibration=json.loads((folder / "calibration.json").read_text()),
            config=json.loads((folder / FIT_MARKER).read_text()),
            residualizer_qc=optional("residualizer_qc.parquet"),
            directory=folder,
        )

    @property
    def n_modules(self) -> int:
        """Number of modules (the largest ``module_id`` plus one; 0 when none)."""
        ids = self.modules["module_id"]
        return int(ids.max()) + 1 if len(ids) and ids.max() >= 0 else 0

    @property
    def has_checkpoint(self) -> bool:
        """Whether the loaded folder holds a VAE checkpoint (``vae_checkpoint.pt``)."""
        return self.directory is not None and (Path(self.directory) / CHECKPOINT).is_file()

    def load_model(self, *, feature_names=None):
        """The VAE of a loaded fit folder, rebuilt from its ``vae_checkpoint.pt``.

        Parameters
        ----------
        feature_names : sequence of str, optional
            The features the model will see; a checkpoint fitted on other
            features is refused with a message naming the difference.

        Returns
        -------
        VaeNetworkModel

        Raises
        ------
        FileNotFoundError
            The result was not loaded from a folder, or the folder holds no
            checkpoint (the fit used another backend, named in the message).
        """
        if not self.has_checkpoint:
            where = "this result was not loaded from a folder" if self.directory is None else (
                f"{str(self.directory)!r} holds no {CHECKPOINT}")
            raise FileNotFoundError(
                f"{where}: a model is stored only by fits with the vae backend (this fit used "
                f"{self.config.get('backend', 'an unknown backend')!r})")
        from .models.vae import load_checkpoint

        return load_checkpoint(Path(self.directory) / CHECKPOINT, feature_names=feature_names)

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
        from ._anndata import result_to_anndata

        return result_to_anndata(self, adata)
