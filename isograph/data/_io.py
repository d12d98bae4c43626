"""Dataset folders: parquet tables plus a JSON manifest, written atomically."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .._core import OutputFolder, to_jsonable
from ._container import SCHEMA_VERSION, IsoformData
from ._validation import validate_isoform_data

__all__ = ["read_dataset", "write_dataset"]

FORMAT = "isograph-dataset"
MANIFEST = "manifest.json"
# Count matrices are stored features x samples: parquet handles a few hundred
# columns of hundreds of thousands of rows far better than the reverse.
COUNT_LAYOUT = "features_x_samples"
_FILES = {
    "transcript_counts": "transcript_counts.parquet",
    "transcripts": "transcripts.parquet",
    "samples": "samples.parquet",
    "gene_counts": "gene_counts.parquet",
}
_REQUIRED = ("transcript_counts", "transcripts", "samples")
_MATRICES = ("transcript_counts", "gene_counts")


# ----------------------------------------------------------------------- write
def write_dataset(
    data: IsoformData, path, *, overwrite: bool = False, validate: bool = True
) -> Path:
    """Write a dataset folder: parquet tables and a ``manifest.json``.

    The folder holds ``transcript_counts.parquet``, ``transcripts.parquet``,
    ``samples.parquet``, ``gene_counts.parquet`` (when the dataset has gene
    counts), ``layer_<name>.parquet`` for each of its ``layers`` (e.g. TPM) and
    ``manifest.json`` (schema version, package version, shapes, file names,
    layers, metadata, creation time). Everything is written to a temporary
    sibling folder first and moved into place at the end, so a failed write
    leaves nothing behind and an overwritten folder is replaced whole.

    Parameters
    ----------
    data : IsoformData
        The dataset to write.
    path : str or os.PathLike
        The folder to create. Missing parent folders are created.
    overwrite : bool, default=False
        Replace an existing dataset folder (one holding a ``manifest.json``).
        An existing empty folder is always used; any other non-empty folder
        is never replaced.
    validate : bool, default=True
        Check ``data`` first (:func:`validate_isoform_data` with
        ``min_samples=1``), so only readable datasets are written.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    FileExistsError
        If ``path`` is a non-empty folder and ``overwrite`` is False, or it is
        a non-empty folder that is not a dataset folder.
    NotADirectoryError
        If ``path`` exists and is not a folder.
    IsADirectoryError
        If ``path`` is the current directory or a folder above it.
    BlockingIOError
        If another process is writing ``path``.
    IsoformDataError
        If ``validate`` is True and ``data`` is invalid.
    ValueError
        If a table cannot be stored as parquet, or ``metadata`` is not
        JSON-serializable.
    """
    if not isinstance(data, IsoformData):
        raise TypeError(f"data must be an IsoformData, got {type(data).__name__}.")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be a bool, got {overwrite!r}.")
    path = Path(os.path.abspath(path))
    if validate:
        validate_isoform_data(data, min_samples=1)
    folder = OutputFolder(path, marker=MANIFEST, what="a dataset folder", overwrite=overwrite,
                          param="path")
    folder.check()
    manifest_text = _manifest_text(data)  # fails before anything touches the disk
    with folder as tmp:
        tables = {
            "transcript_counts": data.transcript_counts.T,
            "transcripts": data.transcripts,
            "samples": data.samples,
        }
        if data.gene_counts is not None:
            tables["gene_counts"] = data.gene_counts.T
        for key, table in tables.items():
            _write_parquet(table, tmp / _FILES[key], key)
        for name, layer in (data.layers or {}).items():
            _write_parquet(layer.T, tmp / _layer_file(name), f"layer {name!r}")
        with open(tmp / MANIFEST, "w", encoding="utf-8") as handle:  # the marker, last
            handle.write(manifest_text)
    return path


def _write_parquet(table: pd.DataFrame, file: Path, key: str) -> None:
    try:
        table.to_parquet(file)
    except (pa.ArrowException, TypeError, ValueError) as err:
        raise ValueError(f"could not write the {key} table to parquet: {err}") from err


def _layer_file(name) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"layer name {name!r} must be a plain identifier (letters, digits, _) so it can "
            "name a file; rename the layer."
        )
    return f"layer_{name}.parquet"


def _package_version() -> str:
    from .. import __version__

    return __version__


def _manifest_text(data: IsoformData) -> str:
    files = {key: _FILES[key] for key in _REQUIRED}
    shapes = {
        "transcript_counts": list(data.transcript_counts.shape),
        "transcripts": list(data.transcripts.shape),
        "samples": list(data.samples.shape),
    }
    if data.gene_counts is not None:
        files["gene_counts"] = _FILES["gene_counts"]
        shapes["gene_counts"] = list(data.gene_counts.shape)
    layers = {name: _layer_file(name) for name in (data.layers or {})}
    manifest = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "isograph_version": _package_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "count_layout": COUNT_LAYOUT,
        "files": files,
        "shapes": shapes,
        "metadata": data.metadata,
    }
    if layers:  # schema 2; absent in version-1 folders, which read without layers
        manifest["layers"] = layers
    try:
        return json.dumps(to_jsonable(manifest, strict=True), indent=2) + "\n"
    except (TypeError, ValueError) as err:
        raise ValueError(f"metadata cannot be stored in {MANIFEST}: {err}") from err


# ------------------------------------------------------------------------ read
def read_dataset(path, *, validate: bool = True) -> IsoformData:
    """Read a dataset folder written by :func:`write_dataset`.

    Parameters
    ----------
    path : str or os.PathLike
        The dataset folder.
    validate : bool, default=True
        Check the dataset read (:func:`validate_isoform_data` with
        ``min_samples=1``; backends check their own minimum).

    Returns
    -------
    IsoformData
        The dataset, with the dtypes and index names it was written with.

    Raises
    ------
    FileNotFoundError
        If the folder, its ``manifest.json`` or a file the manifest lists is missing.
    NotADirectoryError
        If ``path`` is not a folder.
    ValueError
        If the manifest is not valid JSON, has an unknown or newer schema
        version, or disagrees with the files.
    IsoformDataError
        If ``validate`` is True and the dataset is invalid.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"dataset folder {str(path)!r} does not exist.")
    if not path.is_dir():
        raise NotADirectoryError(
            f"path {str(path)!r} is not a folder; expected a dataset folder written by "
            "write_dataset."
        )
    manifest = _read_manifest(path)
    tables = {}
    for key, name in manifest["files"].items():
        file = path / name
        if not file.is_file():
            raise FileNotFoundError(
                f"dataset folder {str(path)!r} lacks {name!r}, which {MANIFEST} lists for "
                f"the {key} table."
            )
        try:
            table = pd.read_parquet(file)
        except (pa.ArrowException, OSError) as err:
            raise ValueError(f"could not read {str(file)!r} as parquet: {err}") from err
        tables[key] = table.T if key in _MATRICES else table
        expected = manifest.get("shapes", {}).get(key)
        if expected is not None and list(tables[key].shape) != list(expected):
            raise ValueError(
                f"{name!r} holds a table of shape {tables[key].shape}, but {MANIFEST} "
                f"records {tuple(expected)}; the folder is inconsistent."
            )
    layers = {}
    for name, file_name in (manifest.get("layers") or {}).items():
        file = path / file_name
        if file_name != _layer_file(name) or not file.is_file():
            raise FileNotFoundError(
                f"dataset folder {str(path)!r} lacks {file_name!r}, which {MANIFEST} lists "
                f"for the layer {name!r}."
            )
        try:
            layers[name] = pd.read_parquet(file).T
        except (pa.ArrowException, OSError) as err:
            raise ValueError(f"could not read {str(file)!r} as parquet: {err}") from err
    data = IsoformData(
        transcript_counts=tables["transcript_counts"],
        transcripts=tables["transcripts"],
        samples=tables["samples"],
        gene_counts=tables.get("gene_counts"),
        metadata=manifest.get("metadata") or {},
        layers=layers,
    )
    if validate:
        validate_isoform_data(data, min_samples=1)
    return data


def _read_manifest(path: Path) -> dict:
    file = path / MANIFEST
    if not file.is_file():
        raise FileNotFoundError(
            f"{str(path)!r} is not an isograph dataset folder: {MANIFEST} is missing."
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{str(file)!r} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})."
        ) from err
    if not isinstance(manifest, dict):
        raise ValueError(f"{str(file)!r} must hold a JSON object, got {type(manifest).__name__}.")
    if manifest.get("format", FORMAT) != FORMAT:
        raise ValueError(f"{str(file)!r} has format {manifest['format']!r}; expected {FORMAT!r}.")
    version = manifest.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(
            f"{str(file)!r} has an unknown schema_version {version!r}; expected an integer "
            f"between 1 and {SCHEMA_VERSION}."
        )
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"{str(file)!r} has schema_version {version}, newer than this isograph "
            f"({_package_version()}) reads (up to {SCHEMA_VERSION}); upgrade isograph."
        )
    layout = manifest.get("count_layout", COUNT_LAYOUT)
    if layout != COUNT_LAYOUT:
        raise ValueError(f"{str(file)!r} has count_layout {layout!r}; expected {COUNT_LAYOUT!r}.")
    files = manifest.get("files")
    if not isinstance(files, dict) or any(key not in files for key in _REQUIRED):
        raise ValueError(
            f"{str(file)!r} must list files for {list(_REQUIRED)} (and optionally "
            f"'gene_counts'); got {files!r}."
        )
    unknown = sorted(set(files) - set(_FILES))
    bad_names = [
        name for name in files.values() if not isinstance(name, str) or Path(name).name != name
    ]
    if unknown or bad_names:
        raise ValueError(
            f"{str(file)!r} lists unknown tables {unknown} or file names that are not plain "
            f"names inside the folder {bad_names}."
        )
    return manifest
