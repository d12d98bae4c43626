"""AnnData in, AnnData out: for scanpy users.

Transcripts live in ``var`` with their gene, samples in ``obs``; the fitted
modules come back as ``var["isograph_module"]`` on a gene-level AnnData with the
gene network in ``varp``.

Run: python examples/anndata_roundtrip.py
"""

from isograph import IsoformData, fit_dataset
from isograph.benchmark import make_isoform_dataset

sim = make_isoform_dataset("toy", random_state=0)
adata = sim.data.to_anndata()                     # samples x transcripts
print(adata)

data = IsoformData.from_anndata(adata, gene_key="gene_id")
result = fit_dataset(data, backend="latent", covariates=["batch"], random_state=0)
genes = result.to_anndata()                       # samples x genes
print(genes)
print(genes.var["isograph_module"].value_counts().sort_index().to_dict())
print("adjacency:", genes.varp["isograph_adjacency"].nnz, "non-zeros")
