"""Cut the bundled macrophage subset (isograph/data/examples/macrophage) from the full cohort.

Run once by hand; tests never run it:

    python benchmarks/make_macrophage_subset.py ../shared/data/macrophage \
        isograph/data/examples/macrophage

Keeps the real salmon lines verbatim (header and rows, original order) for the
transcripts of a gene selection, plus a few transcripts absent from the
transcript -> gene map so the unmapped report has something to report.
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

MARKERS = {
    "ENSG00000232810": "TNF", "ENSG00000125538": "IL1B", "ENSG00000136244": "IL6",
    "ENSG00000169429": "CXCL8", "ENSG00000100906": "NFKBIA", "ENSG00000179583": "CIITA",
    "ENSG00000117228": "GBP1", "ENSG00000169245": "CXCL10", "ENSG00000131203": "IDO1",
}
SEED = 20180312  # any fixed number; recorded in PROVENANCE.md
N_TOP, N_EXPRESSED, N_ANY, N_UNMAPPED = 80, 280, 40, 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    coldata = pd.read_csv(args.source / "coldata.csv")
    t2g = pd.read_csv(args.source / "tx2gene.gencode_v27.csv.gz")
    files = {n: args.source / "quants" / n / "quant.sf.gz" for n in coldata["names"]}
    reads = pd.concat(
        {n: pd.read_csv(f, sep="\t", index_col=0)["NumReads"] for n, f in files.items()}, axis=1
    )
    unversioned = reads.index.str.replace(r"\.\d+$", "", regex=True)
    gene_of = t2g.set_index("transcript_id")["gene_id"].reindex(unversioned)
    gene_mean = reads.mean(axis=1).groupby(gene_of.to_numpy()).sum()

    chosen = list(MARKERS)
    rest = gene_mean.drop(index=chosen).sort_values(ascending=False)
    chosen += list(rest.index[:N_TOP])
    rest = rest.iloc[N_TOP:]
    expressed = rest.index[rest >= 10]
    chosen += list(rng.choice(expressed, N_EXPRESSED, replace=False))
    rest = rest.drop(index=chosen, errors="ignore")
    chosen += list(rng.choice(rest.index, N_ANY, replace=False))

    keep = set(reads.index[gene_of.isin(chosen).to_numpy()])
    unmapped = reads.index[gene_of.isna().to_numpy() & (reads.sum(axis=1) > 0).to_numpy()]
    keep |= set(rng.choice(unmapped, N_UNMAPPED, replace=False))

    if args.target.exists():
        shutil.rmtree(args.target)
    for name, file in files.items():
        out = args.target / "quants" / name
        out.mkdir(parents=True)
        # mtime=0: the same cut gives the same bytes.
        raw = gzip.GzipFile(out / "quant.sf.gz", "wb", mtime=0)
        with gzip.open(file, "rt") as src, io.TextIOWrapper(raw, encoding="utf-8") as dst:
            dst.write(next(src))
            for line in src:
                if line.split("\t", 1)[0] in keep:
                    dst.write(line)
    kept_tx = set(unversioned[reads.index.isin(keep)])
    t2g[t2g["transcript_id"].isin(kept_tx)].to_csv(
        args.target / "tx2gene.csv.gz", index=False, compression={"method": "gzip", "mtime": 0}
    )
    coldata.to_csv(args.target / "coldata.csv", index=False)
    print(f"{len(chosen)} genes, {len(keep)} transcripts ({N_UNMAPPED} unmapped) "
          f"in {args.target}")


if __name__ == "__main__":
    main()
