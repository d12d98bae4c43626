"""``vae_checkpoint.pt``: a fitted :class:`VaeNetworkModel` as state dicts and plain values.

Everything is stored as tensors, strings, numbers, lists and dicts, so the file
loads with ``torch.load(weights_only=True)`` (no pickled code runs on load).
The checkpoint holds the model's state, not its results: the edge table, which
grows with the square of the features (603 MB of a 662 MB checkpoint on 20,000
genes), lives in the fit folder's ``edges.parquet`` only.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..._core import atomic_file, jsonable_params
from ..._core._torch import load_weights
from ._module import VaeModule

FORMAT = "isograph.vae_checkpoint"
VERSION = 1
_ARRAYS = ("mean_", "scale_", "loadings_", "variance_explained_", "labels_")
# per feature / per epoch tables; ``edges_`` is a result (edges.parquet), not model state
_TABLES = ("modules_", "module_gene_roles_", "history_", "feature_signal_")
_MAX_LISTED = 5


def _plain(value):
    """Nested value with numpy scalars / arrays turned into Python values (params, JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} value {value!r} in a checkpoint")


def _frame_to_dict(frame: pd.DataFrame | None):
    if frame is None:
        return None
    columns = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind in "biuf":
            columns[str(name)] = {"kind": "tensor", "values": torch.from_numpy(col.to_numpy())}
        else:  # strings (or None) as categories + codes: compact for long edge tables
            missing = col.isna().to_numpy()
            codes, categories = pd.factorize(col.astype(object).where(~missing, None))
            columns[str(name)] = {"kind": "codes", "categories": [str(c) for c in categories],
                                  "codes": torch.from_numpy(codes.astype(np.int64))}
    return {"columns": [str(c) for c in frame.columns], "data": columns}


def _frame_from_dict(stored):
    if stored is None:
        return None
    data = {}
    for name in stored["columns"]:
        entry = stored["data"][name]
        if entry["kind"] == "tensor":
            data[name] = entry["values"].numpy()
        else:
            categories = np.asarray(entry["categories"] + [None], dtype=object)
            data[name] = pd.Series(categories[entry["codes"].numpy()], dtype=object)
    return pd.DataFrame(data, columns=stored["columns"])


def checkpoint_state(model) -> dict:
    """The checkpoint of a fitted :class:`VaeNetworkModel` as a dict."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "module_")
    names = getattr(model, "feature_names_in_", None)
    module = model.module_
    return {
        "format": FORMAT,
        "version": VERSION,
        "params": jsonable_params(model),
        "n_features": int(module.n_features),
        "latent_dim": int(module.n_latent),
        "hidden": list(module.hidden),
        "dropout": float(module.dropout),
        "feature_names": None if names is None else [str(n) for n in names],
        "state_dict": {k: v.detach().cpu().clone() for k, v in module.state_dict().items()},
        "arrays": {k: torch.from_numpy(np.ascontiguousarray(getattr(model, k)))
                   for k in _ARRAYS},
        "tables": {k: _frame_to_dict(getattr(model, k)) for k in _TABLES},
        "n_modules": int(model.n_modules_),
        "calibration": _plain(model.calibration_),
    }


def save_checkpoint(model, path) -> Path:
    """Write ``model`` to ``path`` (e.g. ``vae_checkpoint.pt``) atomically.

    The file is written next to ``path`` under a temporary name and renamed
    into place, so an interrupted save never leaves a partial checkpoint. The
    edge table ``edges_`` is not stored (it is a result: ``edges.parquet``).

    Parameters
    ----------
    model : VaeNetworkModel
        A fitted model.
    path : str or Path

    Returns
    -------
    Path
    """
    state = checkpoint_state(model)
    path = Path(path)
    with atomic_file(path, "wb") as handle:
        torch.save(state, handle)
    return path


def _listed(values) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:_MAX_LISTED])
    more = f" and {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else ""
    return f"[{shown}{more}]"


def check_features(stored, given) -> None:
    """Raise ``ValueError`` naming how ``given`` feature names differ from ``stored``."""
    given = [str(g) for g in given]
    if stored is None:
        stored_n = None
    else:
        stored_n = len(stored)
        if list(stored) == given:
            return
    if stored is None:
        raise ValueError(
            "the checkpoint was fitted without feature names, so it cannot be checked "
            f"against feature_names ({len(given)} given)")
    missing = [f for f in stored if f not in set(given)]
    extra = [f for f in given if f not in set(stored)]
    parts = []
    if missing:
        parts.append(f"{len(missing)} checkpoint features missing from the data: "
                     f"{_listed(missing)}")
    if extra:
        parts.append(f"{len(extra)} data features not in the checkpoint: {_listed(extra)}")
    if not parts:
        first = next(i for i, (a, b) in enumerate(zip(stored, given)) if a != b)
        parts.append(f"same features in another order (first difference at position {first}: "
                     f"checkpoint {stored[first]!r}, data {given[first]!r})")
    raise ValueError(f"checkpoint features ({stored_n}) do not match the data "
                     f"({len(given)}): " + "; ".join(parts))


def _read(path: Path, map_location):
    """``torch.load`` with the file named in every failure but a missing file."""
    if path.is_file() and path.stat().st_size == 0:
        raise ValueError(f"checkpoint {str(path)!r} is empty (0 bytes), e.g. from an "
                         "interrupted copy; fit again to write a new one")
    try:
        return load_weights(path, map_location=map_location)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (EOFError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            OSError, KeyError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"checkpoint {str(path)!r} is corrupt or not a torch file "
                         f"({reason}); fit again to write a new one") from err


def load_checkpoint(path, *, feature_names=None, map_location="cpu"):
    """Rebuild a fitted :class:`VaeNetworkModel` from a checkpoint.

    Parameters
    ----------
    path : str or Path
    feature_names : sequence of str, optional
        The data's feature names; a checkpoint whose features differ (missing,
        extra or reordered) is refused with a message naming the difference.
    map_location : str or torch.device
        Where the module's tensors go (the model keeps it on the CPU).

    Returns
    -------
    VaeNetworkModel
        Fitted: ``transform``, ``encode`` and ``reconstruct`` work as on the
        model that was saved. ``edges_`` is not restored: it is a result, read
        it from the fit folder's ``edges.parquet``.

    Raises
    ------
    ValueError
        The file is empty, truncated or not an isograph VAE checkpoint; the
        message names the file.
    """
    from ._estimator import VaeNetworkModel

    state = _read(Path(path), map_location)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not an isograph VAE checkpoint (format {FORMAT!r})")
    if state.get("version") != VERSION:
        raise ValueError(f"{path} has checkpoint version {state.get('version')!r}; "
                         f"this isograph reads version {VERSION}")
    if feature_names is not None:
        check_features(state["feature_names"], feature_names)
    params = state["params"]
    for key in ("latent_dim", "hidden_layer_sizes", "alpha_abundance_grid"):
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    model = VaeNetworkModel(**params)
    module = VaeModule(state["n_features"], state["latent_dim"], state["hidden"],
                       state["dropout"])
    module.load_state_dict(state["state_dict"])
    model.module_ = module.cpu().eval()
    model.latent_dim_ = int(state["latent_dim"])
    for key, tensor in state["arrays"].items():
        setattr(model, key, tensor.numpy())
    for key, stored in state["tables"].items():
        setattr(model, key, _frame_from_dict(stored))
    model.n_modules_ = int(state["n_modules"])
    model.calibration_ = state["calibration"]
    model.n_features_in_ = int(state["n_features"])
    if state["feature_names"] is not None:
        model.feature_names_in_ = np.asarray(state["feature_names"], dtype=object)
    return model
