"""One quantifier output file -> one table: salmon, kallisto (tsv and h5), RSEM.

Each reader returns a DataFrame indexed by transcript id with the columns
``counts`` (estimated reads), ``tpm``, ``length`` and ``effective_length``, in
the file's row order. Text files are parsed with pyarrow's CSV reader, not
pytximport: on the 24 macrophage ``quant.sf.gz`` files (205,870 rows each)
read_quantifications takes 8.0 s including the gene map, pytximport's
transcript-level tximport 12.5 s and a pandas loop 10.0 s (2 shared cores, load
3.5; ``benchmarks/quant_readers.py``). pytximport would also bring xarray,
flox, pybiomart and requests-cache, and reports neither unmapped reads nor
version collisions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = ["QUANTIFIERS", "detect_quantifier", "read_quant_columns", "read_quant_file"]
_VALUES = ("counts", "tpm", "length", "effective_length")

#: Columns of each text format: file column -> our column.
_TEXT_COLUMNS = {
    "salmon": {
        "Name": "transcript_id",
        "NumReads": "counts",
        "TPM": "tpm",
        "Length": "length",
        "EffectiveLength": "effective_length",
    },
    "kallisto": {
        "target_id": "transcript_id",
        "est_counts": "counts",
        "tpm": "tpm",
        "length": "length",
        "eff_length": "effective_length",
    },
    "rsem": {
        "transcript_id": "transcript_id",
        "expected_count": "counts",
        "TPM": "tpm",
        "length": "length",
        "effective_length": "effective_length",
    },
}
QUANTIFIERS = ("salmon", "kallisto", "rsem")
_RSEM_SUFFIX = ".isoforms.results"
# What a quantifier writes in its output folder, in order of preference: the
# kallisto h5 holds the same numbers as abundance.tsv (tximport also prefers it).
_FOLDER_FILES = (
    ("salmon", "quant.sf"),
    ("salmon", "quant.sf.gz"),
    ("kallisto", "abundance.h5"),
    ("kallisto", "abundance.tsv"),
    ("kallisto", "abundance.tsv.gz"),
)


def _quantifier_of_file(file: Path) -> str | None:
    name = file.name
    if name in ("quant.sf", "quant.sf.gz"):
        return "salmon"
    if name.startswith("abundance") and name.endswith((".h5", ".tsv", ".tsv.gz")):
        return "kallisto"
    if name.endswith((_RSEM_SUFFIX, _RSEM_SUFFIX + ".gz")):
        return "rsem"
    return None


def detect_quantifier(path, quantifier: str = "auto") -> tuple[str, Path]:
    """The quantifier and the file to read for one sample folder or file.

    Parameters
    ----------
    path : str or os.PathLike
        A sample's output folder, or the quantification file itself.
    quantifier : {"auto", "salmon", "kallisto", "rsem"}, default="auto"
        Restrict the search to one quantifier's file names.

    Returns
    -------
    quantifier : str
    file : pathlib.Path

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist or holds no file the quantifier writes.
    ValueError
        If a folder holds outputs of two quantifiers under ``"auto"``, or a file's
        name matches no quantifier and ``quantifier="auto"``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"quantification path {str(path)!r} does not exist.")
    if path.is_file():
        found = _quantifier_of_file(path)
        if quantifier != "auto":
            return quantifier, path
        if found is None:
            raise ValueError(
                f"cannot tell which quantifier wrote {str(path)!r}: expected quant.sf[.gz] "
                f"(salmon), abundance.tsv/.h5 (kallisto) or *{_RSEM_SUFFIX} (RSEM); pass "
                "quantifier= to name it."
            )
        return found, path
    candidates = [(q, path / name) for q, name in _FOLDER_FILES if (path / name).is_file()]
    candidates += [
        ("rsem", f)
        for f in sorted(path.iterdir())
        if f.is_file() and f.name.endswith((_RSEM_SUFFIX, _RSEM_SUFFIX + ".gz"))
    ]
    if quantifier != "auto":
        candidates = [c for c in candidates if c[0] == quantifier]
    if not candidates:
        raise FileNotFoundError(
            f"folder {str(path)!r} holds no quantification file"
            + ("" if quantifier == "auto" else f" of {quantifier}")
            + f": expected quant.sf[.gz] (salmon), abundance.h5 / abundance.tsv (kallisto) "
            f"or *{_RSEM_SUFFIX} (RSEM)."
        )
    kinds = sorted({q for q, _ in candidates})
    if len(kinds) > 1:
        raise ValueError(
            f"folder {str(path)!r} holds outputs of {kinds}; pass quantifier= to choose one."
        )
    rsem = [f for q, f in candidates if q == "rsem"]
    if len(rsem) > 1:
        raise ValueError(
            f"folder {str(path)!r} holds several RSEM files {[f.name for f in rsem]}; pass "
            "the file paths instead of the folder."
        )
    return candidates[0]


def read_quant_file(file, quantifier: str) -> pd.DataFrame:
    """Read one quantification file into ``counts, tpm, length, effective_length``.

    Parameters
    ----------
    file : str or os.PathLike
        The file (text files may be gzipped).
    quantifier : {"salmon", "kallisto", "rsem"}
        The tool that wrote it.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``transcript_id`` (strings), float64 columns.

    Raises
    ------
    ValueError
        If the file lacks the columns the quantifier writes, or cannot be parsed.
    """
    ids, values = read_quant_columns(file, quantifier)
    return pd.DataFrame(values, index=pd.Index(ids.to_pandas(), name="transcript_id"))


def read_quant_columns(file, quantifier: str) -> tuple[pa.Array, dict]:
    """Like :func:`read_quant_file`, as an Arrow id array and float64 numpy columns.

    Files of one cohort list the same ids: comparing Arrow arrays and building
    one pandas index (not one per file) saves 2 s on the 24 macrophage files.
    """
    file = Path(file)
    if quantifier not in QUANTIFIERS:
        raise ValueError(f"quantifier must be one of {list(QUANTIFIERS)}, got {quantifier!r}.")
    if quantifier == "kallisto" and file.name.endswith(".h5"):
        frame = _read_kallisto_h5(file)
        return pa.array(frame.index.to_numpy(dtype=object), pa.string()), {
            c: frame[c].to_numpy() for c in _VALUES}
    columns = _TEXT_COLUMNS[quantifier]
    id_column = next(iter(columns))
    try:
        table = pacsv.read_csv(
            file,
            parse_options=pacsv.ParseOptions(delimiter="\t"),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns),
                column_types={id_column: pa.string()}
                | {c: pa.float64() for c in columns if c != id_column},
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError) as err:
        raise ValueError(
            f"{str(file)!r} is not a {quantifier} transcript table with the columns "
            f"{list(columns)}: {err}"
        ) from err
    values = {ours: table.column(theirs).to_numpy() for theirs, ours in columns.items()
              if ours != "transcript_id"}
    return table.column(id_column).combine_chunks(), values


def _read_kallisto_h5(file: Path) -> pd.DataFrame:
    try:
        import h5py
    except ImportError as err:
        raise ImportError(
            "reading kallisto's abundance.h5 needs h5py; install it with `pip install h5py` "
            "(or `pip install isograph[anndata]`), or read abundance.tsv instead."
        ) from err
    try:
        with h5py.File(file, "r") as h5:
            ids = np.asarray(h5["aux/ids"][:]).astype(str)
            counts = np.asarray(h5["est_counts"][:], dtype=np.float64)
            length = np.asarray(h5["aux/lengths"][:], dtype=np.float64)
            eff = np.asarray(h5["aux/eff_lengths"][:], dtype=np.float64)
    except (OSError, KeyError) as err:
        raise ValueError(f"{str(file)!r} is not a kallisto abundance.h5 file: {err}") from err
    # kallisto's h5 stores no TPM; this is the formula kallisto uses for abundance.tsv.
    rate = np.divide(counts, eff, out=np.zeros_like(counts), where=eff > 0)
    total = rate.sum()
    tpm = rate / total * 1e6 if total > 0 else rate
    return pd.DataFrame(
        {"counts": counts, "tpm": tpm, "length": length, "effective_length": eff},
        index=pd.Index(ids, name="transcript_id"),
    )
