"""Saving and loading a fitted RegNet (a folder of JSON, parquet and a torch state dict)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from isograph._core._torch import load_weights

__all__ = ["RegNetStorageMixin", "load_regnet", "save_regnet"]

_FORMAT = "regnet.RegNet"
_FORMAT_VERSION = 1
#: Files every RegNet.save folder holds: only such a folder is ever replaced.
MARKERS = ("config.json", "model.pt")


def save_regnet(model, directory) -> Path:
    """Write a fitted ``RegNet`` to ``directory``; see :meth:`regnet.RegNet.save`.

    The folder is built beside ``directory`` and swapped in whole: an earlier
    RegNet.save folder there is replaced, any other non-empty folder, a file or
    the current directory is refused, and a killed save leaves the old folder or
    the new one (see :class:`isograph._core.OutputFolder`).
    """
    # imported here: `import regnet` need not load the isograph package
    from isograph._core import OutputFolder, jsonable_params

    params = jsonable_params(model)  # numpy numbers a user passed read back as such
    config = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "params": params,
        "best_epoch": int(model.best_epoch_),
        "validation_score": float(model.validation_score_),
        "validation_strategy": model.validation_strategy_,
        "input_feature_names": list(model.input_feature_names_),
    }
    text = json.dumps(config, indent=2)  # fails before anything touches the disk
    with OutputFolder(directory, marker=MARKERS, what="a RegNet.save folder",
                      overwrite=True, flag="RegNet.save") as tmp:
        state = {k: v.detach().cpu() for k, v in model.module_.state_dict().items()}
        torch.save(state, tmp / "model.pt")
        (tmp / "genes.txt").write_text("\n".join(model.genes_) + "\n")
        (tmp / "tfs.txt").write_text("\n".join(model.tfs_) + "\n")
        model.expression_.to_parquet(tmp / "expression.parquet")
        model.edges_.to_parquet(tmp / "edges.parquet", index=False)
        model.history_.to_csv(tmp / "history.csv", index=False)
        (tmp / "calibration.json").write_text(json.dumps(model.calibration_, indent=2))
        (tmp / "config.json").write_text(text)  # the marker, last
    return Path(directory)


def load_regnet(cls, directory, *, device: str | None = None):
    """Rebuild a fitted ``cls`` instance from :func:`save_regnet` output."""
    path = Path(directory)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(f"{str(path)!r} holds no config.json; is it a RegNet.save folder?")
    config = json.loads(config_file.read_text())
    if config.get("format") != _FORMAT:
        raise ValueError(f"{config_file} is not a RegNet model (format={config.get('format')!r}).")
    if config.get("format_version", 0) > _FORMAT_VERSION:
        raise ValueError(
            f"{config_file} has format_version {config['format_version']}; this regnet reads "
            f"up to {_FORMAT_VERSION}. Upgrade regnet."
        )
    params = dict(config["params"])
    if device is not None:
        params["device"] = device
    model = cls(**params)
    model.device_ = model._resolve_device()
    model.expression_ = pd.read_parquet(path / "expression.parquet")
    model.genes_ = model.expression_.index
    model.tfs_ = (path / "tfs.txt").read_text().splitlines()
    model.feature_names_in_ = np.asarray(model.expression_.columns, dtype=object)
    model.n_features_in_ = model.expression_.shape[1]
    model.edges_ = pd.read_parquet(path / "edges.parquet")
    model.input_feature_names_ = list(config["input_feature_names"])
    model.history_ = pd.read_csv(path / "history.csv")
    model.calibration_ = json.loads((path / "calibration.json").read_text())
    model.best_epoch_ = int(config["best_epoch"])
    model.validation_score_ = float(config["validation_score"])
    # folders written before the strategy was saved do not say which one applied
    model.validation_strategy_ = config.get("validation_strategy")
    module = model._build_module(model.n_features_in_)
    module.load_state_dict(load_weights(path / "model.pt"))
    model.module_ = module.to(model.device_).eval()
    return model


class RegNetStorageMixin:
    """``save`` and ``load`` of :class:`regnet.RegNet` (a mixin: the estimator file keeps fit)."""

    def save(self, directory) -> Path:
        """Write the fitted model to ``directory`` (created if needed) and return its path.

        Files: ``config.json`` (parameters, format version), ``model.pt``
        (state dict), ``genes.txt``, ``tfs.txt``, ``expression.parquet`` (the
        fitted ``X``), ``edges.parquet`` (the message graph), ``history.csv``,
        ``calibration.json``.
        """
        check_is_fitted(self, "module_")
        return save_regnet(self, directory)

    @classmethod
    def load(cls, directory, *, device: str | None = None):
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        directory : str or path-like
            Folder written by :meth:`save`.
        device : str, optional
            Overrides the saved ``device`` parameter.

        Returns
        -------
        RegNet
            Fitted; predictions equal those of the saved model.
        """
        return load_regnet(cls, directory, device=device)
