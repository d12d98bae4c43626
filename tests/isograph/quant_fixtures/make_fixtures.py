"""Make the kallisto / RSEM fixtures by running the real tools on a tiny transcriptome.

Run by hand (tests read the committed outputs; they never need the tools):

    apt-get install -y kallisto rsem      # Debian 12: kallisto 0.48.0, RSEM 1.3.3, bowtie 1.3.1
    python tests/isograph/quant_fixtures/make_fixtures.py

Writes, next to this script: ``annotation.gtf`` / ``annotation.gff3`` (GENCODE
layout, with gene names), ``tx2gene.tsv``, ``kallisto/<sample>/abundance.{tsv,h5}``
and ``rsem/<sample>.isoforms.results``. Sequences and reads are random
(fixed seed); each gene's transcripts are exon subsets of one genomic locus.
abundance.tsv and the RSEM files are the tools' own output; abundance.h5 holds
kallisto's numbers in kallisto's HDF5 layout (see :func:`write_kallisto_h5`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 7
GENES = [  # gene name, number of exons, transcripts as exon subsets
    ("ALPHA", 4, [(0, 1, 2, 3), (0, 2, 3), (0, 1, 3)]),
    ("BETA", 3, [(0, 1, 2), (0, 2)]),
    ("GAMMA", 2, [(0, 1)]),
    ("DELTA", 5, [(0, 1, 2, 3, 4), (1, 2, 4), (0, 3, 4)]),
    ("EPSILON", 3, [(0, 1, 2), (1, 2)]),
]
SAMPLES = ("S1", "S2", "S3")
N_READS, READ_LEN, FRAG_MEAN, FRAG_SD = 3000, 50, 180, 20


def build(rng):
    """Genomic layout, transcript sequences, GTF and GFF3 lines."""
    seq_parts, gtf, gff, tx_seqs, t2g = [], [], ["##gff-version 3"], {}, []
    pos = 1
    for g, (name, n_exons, txs) in enumerate(GENES, start=1):
        gene_id = f"ENSG{g:011d}.{g + 1}"
        gap = "".join(rng.choice(list("ACGT"), 200))
        seq_parts.append(gap)
        pos += len(gap)
        exons = []
        for _ in range(n_exons):
            length = int(rng.integers(150, 400))
            exon = "".join(rng.choice(list("ACGT"), length))
            exons.append((pos, pos + length - 1, exon))
            seq_parts.append(exon)
            pos += length
            intron = "".join(rng.choice(list("ACGT"), 120))
            seq_parts.append(intron)
            pos += len(intron)
        start, end = exons[0][0], exons[-1][1]
        gattr = f'gene_id "{gene_id}"; gene_type "protein_coding"; gene_name "{name}";'
        gtf.append(f"chr1\tHAVANA\tgene\t{start}\t{end}\t.\t+\t.\t{gattr} level 2;")
        gff.append(f"chr1\tHAVANA\tgene\t{start}\t{end}\t.\t+\t.\tID={gene_id};"
                   f"gene_id={gene_id};gene_type=protein_coding;gene_name={name};level=2")
        for t, keep in enumerate(txs, start=1):
            tx_id = f"ENST{g * 10 + t:011d}.{t}"
            tx_name = f"{name}-{200 + t}"
            parts = [exons[i] for i in keep]
            tattr = (f'{gattr} transcript_id "{tx_id}"; transcript_type "protein_coding"; '
                     f'transcript_name "{tx_name}";')
            gtf.append(f"chr1\tHAVANA\ttranscript\t{parts[0][0]}\t{parts[-1][1]}\t.\t+\t.\t"
                       f"{tattr} level 2;")
            gff.append(f"chr1\tHAVANA\ttranscript\t{parts[0][0]}\t{parts[-1][1]}\t.\t+\t.\t"
                       f"ID={tx_id};Parent={gene_id};gene_id={gene_id};transcript_id={tx_id};"
                       f"gene_type=protein_coding;gene_name={name};"
                       f"transcript_type=protein_coding;transcript_name={tx_name};level=2")
            for k, (s, e, _) in enumerate(parts, start=1):
                gtf.append(f"chr1\tHAVANA\texon\t{s}\t{e}\t.\t+\t.\t{tattr} exon_number {k};")
                gff.append(f"chr1\tHAVANA\texon\t{s}\t{e}\t.\t+\t.\tID=exon:{tx_id}:{k};"
                           f"Parent={tx_id};gene_id={gene_id};transcript_id={tx_id};"
                           f"gene_name={name};exon_number={k}")
            tx_seqs[tx_id] = "".join(p[2] for p in parts)
            t2g.append((tx_id, gene_id))
    return gtf, gff, tx_seqs, t2g


def simulate_reads(rng, tx_seqs, weights, file):
    ids = list(tx_seqs)
    lengths = np.array([len(tx_seqs[t]) for t in ids], dtype=float)
    prob = weights * lengths / (weights * lengths).sum()
    comp = str.maketrans("ACGT", "TGCA")
    with open(file, "w") as out:
        for r in range(N_READS):
            seq = tx_seqs[ids[rng.choice(len(ids), p=prob)]]
            frag = int(np.clip(rng.normal(FRAG_MEAN, FRAG_SD), READ_LEN, len(seq)))
            start = int(rng.integers(0, len(seq) - frag + 1))
            fragment = seq[start:start + frag]
            read = fragment[:READ_LEN] if rng.random() < 0.5 else \
                fragment[::-1].translate(comp)[:READ_LEN]
            out.write(f"@r{r}\n{read}\n+\n{'I' * READ_LEN}\n")


def write_kallisto_h5(folder: Path) -> None:
    """abundance.h5 in kallisto's HDF5 layout, from the abundance.tsv kallisto wrote.

    Debian's kallisto 0.48.0 is built without HDF5 (it writes abundance.tsv only)
    and kallisto >= 0.50 dropped the format, so the h5 file is written here with
    the datasets and types kallisto 0.46-0.48 writes (``est_counts``,
    ``aux/ids``, ``aux/lengths``, ``aux/eff_lengths``, ``aux/num_bootstrap``, ...).
    """
    import h5py
    import pandas as pd

    tsv = pd.read_csv(folder / "abundance.tsv", sep="\t")
    with h5py.File(folder / "abundance.h5", "w", track_order=True) as h5:
        h5.create_dataset("est_counts", data=tsv["est_counts"].to_numpy("float64"),
                          compression="gzip", compression_opts=6)
        aux = h5.create_group("aux")
        aux.create_dataset("ids", data=tsv["target_id"].to_numpy().astype("S"),
                           compression="gzip", compression_opts=6)
        aux.create_dataset("lengths", data=tsv["length"].to_numpy("int32"),
                           compression="gzip", compression_opts=6)
        aux.create_dataset("eff_lengths", data=tsv["eff_length"].to_numpy("float64"),
                           compression="gzip", compression_opts=6)
        aux.create_dataset("num_bootstrap", data=np.array([0], dtype="int32"))
        aux.create_dataset("num_processed", data=np.array([N_READS], dtype="int32"))
        aux.create_dataset("kallisto_version", data=np.array([b"0.48.0"]))
        aux.create_dataset("index_version", data=np.array([10], dtype="int32"))
        h5.create_group("bootstrap")


def run(*cmd) -> None:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{done.stderr[-2000:]}")


def main() -> None:
    rng = np.random.default_rng(SEED)
    gtf, gff, tx_seqs, t2g = build(rng)
    (HERE / "annotation.gtf").write_text(
        "##description: tiny synthetic annotation in GENCODE layout\n" + "\n".join(gtf) + "\n")
    (HERE / "annotation.gff3").write_text("\n".join(gff) + "\n")
    (HERE / "tx2gene.tsv").write_text(
        "transcript_id\tgene_id\n" + "".join(f"{t}\t{g}\n" for t, g in t2g))
    for sub in ("kallisto", "rsem"):
        shutil.rmtree(HERE / sub, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fasta = tmp / "tx.fa"
        fasta.write_text("".join(f">{t}\n{s}\n" for t, s in tx_seqs.items()))
        run("kallisto", "index", "-i", tmp / "k.idx", fasta)
        gene_map = tmp / "gene_map.tsv"  # RSEM's order: gene, transcript; no header
        gene_map.write_text("".join(f"{g}\t{t}\n" for t, g in t2g))
        run("rsem-prepare-reference", "--bowtie", "--transcript-to-gene-map", gene_map, fasta,
            tmp / "rsem_ref")
        for s, sample in enumerate(SAMPLES):
            weights = rng.gamma(1.0, 1.0, len(tx_seqs)) * (1 + s)
            reads = tmp / f"{sample}.fq"
            simulate_reads(rng, tx_seqs, weights, reads)
            kdir = HERE / "kallisto" / sample
            kdir.mkdir(parents=True)  # kallisto makes only the last folder
            run("kallisto", "quant", "-i", tmp / "k.idx", "-o", kdir, "--single",
                "-l", FRAG_MEAN, "-s", FRAG_SD, reads)
            (kdir / "run_info.json").unlink()  # holds the temp paths and the run time
            write_kallisto_h5(kdir)
            run("rsem-calculate-expression", "--bowtie-path", "/usr/bin", "--seed", SEED,
                "--fragment-length-mean", FRAG_MEAN, "--fragment-length-sd", FRAG_SD,
                "--no-bam-output", reads, tmp / "rsem_ref", tmp / sample)
            (HERE / "rsem").mkdir(exist_ok=True)
            shutil.copy(tmp / f"{sample}.isoforms.results", HERE / "rsem")
    print(f"{len(tx_seqs)} transcripts of {len(GENES)} genes, samples {SAMPLES}")


if __name__ == "__main__":
    main()
