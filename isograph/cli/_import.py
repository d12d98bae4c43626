"""``isograph import``: quantifier folders + annotation + sample table -> a dataset folder."""

from __future__ import annotations

import sys
import warnings

import numpy as np

__all__ = ["add_import_parser", "import_summary", "run_import"]


def add_import_parser(sub) -> None:
    """Register the ``import`` subcommand (no Hydra config: every option is a flag)."""
    imp = sub.add_parser(
        "import", help="salmon / kallisto / RSEM outputs -> a dataset folder",
        description="Read one quantifier output per sample (salmon quant.sf[.gz], kallisto "
        "abundance.h5 / abundance.tsv, RSEM *.isoforms.results), map transcripts to genes and "
        "write a dataset folder for `isograph fit`.")
    imp.add_argument("--quants", required=True, nargs="+", metavar="PATH",
                     help="one parent folder with a folder per sample, or the per-sample "
                     "folders / files")
    imp.add_argument("--annotation", required=True, metavar="FILE",
                     help="transcript -> gene map: a two-column CSV/TSV or a GTF/GFF3 "
                     "annotation (gene names are kept when it has them)")
    imp.add_argument("--samples", metavar="CSV",
                     help="sample table (CSV/TSV); rows are matched to the folder names by "
                     "the column that holds them (found, or --sample-column)")
    imp.add_argument("--sample-column", metavar="NAME",
                     help="column of --samples holding the folder names (default: found)")
    imp.add_argument("--output-dir", required=True, help="the dataset folder to create")
    imp.add_argument("--quantifier", default="auto",
                     choices=["auto", "salmon", "kallisto", "rsem"],
                     help="which tool wrote the files (default: recognised per folder)")
    imp.add_argument("--strip-version", action="store_true",
                     help="remove version suffixes (ENST00000456328.2 -> ENST00000456328) "
                     "from the quantified ids and the map")
    imp.add_argument("--overwrite", action="store_true",
                     help="replace an earlier dataset folder")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=run_import)


def import_summary(data, output_dir) -> str:
    """The one-screen summary printed by ``isograph import``."""
    report = data.metadata.get("import", {})
    library = data.transcript_counts.sum(axis=1).to_numpy()
    quantified = report.get("n_transcripts_quantified", data.transcript_counts.shape[1])
    mapped_reads = 1.0 - report.get("unmapped_read_share", 0.0)
    lines = [
        f"imported {report.get('quantifier', '?')} output -> {output_dir}",
        f"  samples      {data.n_samples}",
        f"  transcripts  {data.transcript_counts.shape[1]:,} mapped of {quantified:,} "
        f"quantified ({mapped_reads:.2%} of the reads)",
        f"  genes        {len(data.gene_ids):,}",
        f"  library size min {np.min(library):,.0f} / median {np.median(library):,.0f} / "
        f"max {np.max(library):,.0f} reads",
        f"  layers       counts, {', '.join(data.layers)}",
        f"  sample table {data.samples.shape[1]} columns"
        + (f" ({', '.join(map(str, data.samples.columns[:6]))}"
           f"{', ...' if data.samples.shape[1] > 6 else ''})" if data.samples.shape[1] else ""),
    ]
    if report.get("n_unmapped"):
        lines.append(
            f"  unmapped     {report['n_unmapped']:,} transcripts left out (e.g. "
            f"{', '.join(report['unmapped_examples'][:3])}); listed in manifest.json"
        )
    return "\n".join(lines)


def run_import(args, overrides) -> int:
    """``isograph import``: read, map, write the dataset folder, print the summary."""
    from ..data import UnmappedTranscriptsWarning, read_quantifications, write_dataset
    from ._commands import check_output_dir
    from ._config import CliError

    if overrides:
        raise CliError(f"import takes no Hydra overrides, got {overrides}")
    folder = check_output_dir(args.output_dir, overwrite=args.overwrite,
                              marker="manifest.json", what="a dataset folder")
    paths = args.quants[0] if len(args.quants) == 1 else args.quants
    with warnings.catch_warnings():
        # The summary reports unmapped transcripts; the warning would say it twice.
        warnings.simplefilter("ignore", UnmappedTranscriptsWarning)
        data = read_quantifications(
            paths, transcript_to_gene=args.annotation, samples=args.samples,
            quantifier=args.quantifier, strip_version=args.strip_version,
            sample_column=args.sample_column, progress=not args.quiet,
        )
    # the same folder rule as `simulate`: lock held, our marker re-checked at the swap
    with folder as tmp:
        write_dataset(data, tmp)
    sys.stdout.write(import_summary(data, args.output_dir) + "\n")
    sys.stdout.flush()
    return 0
