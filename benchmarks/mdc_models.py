"""RegNet models trained on the bundled mDC data, cached on disk between runs.

One home for the models that ``benchmarks/bench_shrinkage.py`` and
``docs/make_interpretation_figures.py`` read: both train on the same GENELink
split and share a cache folder, so the folder's layout lives here only.
"""

from __future__ import annotations

import time
from pathlib import Path

from regnet import RegNet
from regnet.data import genelink_split, load_example

__all__ = ["mdc_model"]


def mdc_model(network: str, seed: int, max_epochs: int, cache: Path | None = None) -> RegNet:
    """RegNet trained on mDC/``network`` with training seed ``seed`` (split seed 0).

    Every seed sees the same GENELink split, so models differ by training noise
    only. With ``cache`` the model is read from ``cache`` when an earlier run
    saved it there (on the CPU), and saved there after training otherwise.
    """
    directory = None if cache is None else Path(cache) / f"mDC-{network}-seed{seed}-e{max_epochs}"
    if directory is not None and directory.exists():
        return RegNet.load(directory, device="cpu")
    data = load_example("mDC", network=network)
    split = genelink_split(data, random_state=0)
    start = time.perf_counter()
    model = RegNet(max_epochs=max_epochs, random_state=seed).fit(
        data.expression, split.train, tfs=data.tfs, validation=split.validation)
    print(f"trained on mDC/{network} seed {seed} in {time.perf_counter() - start:.0f} s: "
          f"{len(model.history_)} epochs, validation AUPRC {model.validation_score_:.3f}")
    if directory is not None:
        model.save(directory)
    return model
