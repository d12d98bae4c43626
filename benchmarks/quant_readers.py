"""Time the quantifier and annotation readers against the libraries they could be.

    python benchmarks/quant_readers.py ../shared/data/macrophage [--extra-path DIR]

Prints, for the 24 macrophage salmon runs (205,870 transcripts each):
isograph.data.read_quantifications, pytximport's tximport (transcript level),
and a plain pandas loop; then, for a GENCODE-style GTF synthesised from the
cohort's transcript -> gene map (gene, transcript and 3 exon rows per
transcript), isograph.data.read_transcript_to_gene against gtfparse.read_gtf.
Libraries that are not installed are reported as such. ``--extra-path`` appends a
folder (e.g. a ``pip install --target`` of pytximport and gtfparse) to the end of
``sys.path``, so installed packages keep precedence.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd


def timed(label, fn, repeat=1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<46} {best:7.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("macrophage", type=Path)
    parser.add_argument("--extra-path", action="append", default=[])
    args = parser.parse_args()
    sys.path.extend(args.extra_path)
    from isograph.data import (
        UnmappedTranscriptsWarning,
        read_quantifications,
        read_transcript_to_gene,
    )

    coldata = pd.read_csv(args.macrophage / "coldata.csv")
    folders = [args.macrophage / "quants" / n for n in coldata["names"]]
    files = [f / "quant.sf.gz" for f in folders]
    t2g_file = args.macrophage / "tx2gene.gencode_v27.csv.gz"
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores); {len(files)} salmon files")

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnmappedTranscriptsWarning)
            return read_quantifications(folders, transcript_to_gene=t2g_file, samples=coldata,
                                        strip_version=True, progress=False)

    data = timed("isograph read_quantifications (+ map)", ours, repeat=2)
    print(f"    -> {data}")
    timed("pandas read_csv loop (parse only)",
          lambda: [pd.read_csv(f, sep="\t", index_col=0) for f in files])
    try:
        from pytximport import tximport
    except ImportError as err:
        print(f"  pytximport: not installed ({err})")
    else:
        t2g = pd.read_csv(t2g_file)

        def theirs():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return tximport(files, data_type="salmon", transcript_gene_map=t2g,
                                return_transcript_data=True, ignore_transcript_version=True,
                                output_type="xarray")

        out = timed("pytximport tximport (transcript level)", theirs)
        print(f"    -> {dict(out.sizes) if hasattr(out, 'sizes') else type(out).__name__}")

    # ------------------------------------------------------------------ annotation
    t2g = pd.read_csv(t2g_file)
    with tempfile.TemporaryDirectory() as tmp:
        gtf = Path(tmp) / "synthetic.gtf"
        with open(gtf, "w") as out:
            out.write("##description: synthetic GENCODE-style GTF\n")
            for gene, group in t2g.groupby("gene_id", sort=False):
                g = f'gene_id "{gene}.1"; gene_type "protein_coding"; gene_name "N{gene[-6:]}";'
                out.write(f"chr1\tHAVANA\tgene\t1\t1000\t.\t+\t.\t{g} level 2;\n")
                for tx in group["transcript_id"]:
                    t = (f'{g} transcript_id "{tx}.1"; transcript_type "protein_coding"; '
                         f'transcript_name "T{tx[-6:]}"; level 2;')
                    out.write(f"chr1\tHAVANA\ttranscript\t1\t1000\t.\t+\t.\t{t}\n")
                    for k in range(1, 4):
                        out.write(f"chr1\tHAVANA\texon\t1\t300\t.\t+\t.\t{t} exon_number {k};\n")
        size = gtf.stat().st_size / 2**20
        print(f"synthetic GTF: {len(t2g):,} transcripts, {size:.0f} MiB")
        ours_map = timed("isograph read_transcript_to_gene (GTF)",
                         lambda: read_transcript_to_gene(gtf))
        print(f"    -> {ours_map.shape}")
        try:
            import gtfparse
        except ImportError as err:
            print(f"  gtfparse: not installed ({err})")
        else:
            def gtfparse_map():
                frame = gtfparse.read_gtf(gtf, features={"transcript"})
                frame = pd.DataFrame(frame) if not isinstance(frame, pd.DataFrame) else frame
                return frame[["transcript_id", "gene_id", "gene_name"]]

            out = timed(f"gtfparse {gtfparse.__version__} read_gtf (transcript rows)",
                        gtfparse_map)
            print(f"    -> {out.shape}")


if __name__ == "__main__":
    main()
