"""``regnet`` command line: ``regnet train --data <BEELINE folder> --out <dir>``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["main", "write_pretrain_directory"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regnet", description="Gene regulatory network inference with RegNet."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "visualize", add_help=False,
        help="plots of a pretrain directory (same options as "
             "python -m regnet.visualization.visualize_regnet)",
    )
    train = sub.add_parser(
        "train",
        help="train RegNet on a BEELINE folder and write a pretrain directory",
        description=(
            "Train RegNet on a BEELINE / GENELink folder (BL--ExpressionData.csv, "
            "BL--network.csv or Label.csv + Target.csv, optional TF.csv) and write the "
            "model, embeddings, first-layer states, predictions, history and metrics."
        ),
    )
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="BEELINE dataset folder")
    source.add_argument(
        "--example", metavar="NAME[/NETWORK]",
        help="a bundled dataset instead of --data, e.g. mDC/STRING, mDC/Specific, mESC",
    )
    train.add_argument("--out", required=True, help="output directory (created)")
    train.add_argument(
        "--split", choices=("genelink", "none"), default="genelink",
        help="genelink: train/validation/test split, test metrics reported (default); "
             "none: train on every edge with an internal validation split",
    )
    train.add_argument("--seed", type=int, default=0, help="seed of the split and the model")
    train.add_argument("--max-epochs", type=int, default=300)
    train.add_argument("--patience", type=int, default=40)
    train.add_argument("--hidden-channels", type=int, default=64)
    train.add_argument("--latent-channels", type=int, default=32)
    train.add_argument("--heads", type=int, default=4)
    train.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    train.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    train.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _all_pairs(genes: pd.Index, tfs: list[str]) -> pd.DataFrame:
    tf = np.repeat(np.asarray(tfs, dtype=object), len(genes))
    target = np.tile(np.asarray(genes, dtype=object), len(tfs))
    keep = tf != target
    return pd.DataFrame({"TF": tf[keep], "Target": target[keep]})


def write_pretrain_directory(model, directory, *, parts=None, metrics=None) -> Path:
    """Write ``model.save(directory)`` plus everything interpretation needs.

    Parameters
    ----------
    model : RegNet
        Fitted.
    directory : path-like
        Target folder (created).
    parts : dict of pandas.DataFrame, optional
        Labelled pairs per split part (``train``, ``validation``, ``test``...),
        written to ``pairs.parquet`` and used to tag ``predictions.parquet``.
    metrics : dict, optional
        Written to ``metrics.json``.

    Returns
    -------
    pathlib.Path
    """
    path = model.save(directory)
    model.transform(model.expression_).to_parquet(path / "embeddings.parquet")
    for name, frame in model.first_layer_states().items():
        frame.to_parquet(path / f"first_layer_{name}.parquet")
    predictions = _all_pairs(model.genes_, model.tfs_)
    logits = model.decision_function(predictions)
    predictions["logit"] = logits.to_numpy()
    predictions["probability"] = model.predict_proba(predictions).to_numpy()
    predictions["part"] = "unlabeled"
    predictions["Label"] = pd.array([pd.NA] * len(predictions), dtype="Int64")
    if parts:
        labelled = pd.concat(
            [frame.assign(part=name) for name, frame in parts.items()], ignore_index=True
        )
        labelled.to_parquet(path / "pairs.parquet", index=False)
        first = labelled.drop_duplicates(["TF", "Target"])
        merged = predictions[["TF", "Target"]].merge(first, on=["TF", "Target"], how="left")
        known = merged["part"].notna().to_numpy()
        predictions.loc[known, "part"] = merged.loc[known, "part"].to_numpy()
        predictions.loc[known, "Label"] = merged.loc[known, "Label"].astype("Int64").to_numpy()
    predictions.to_parquet(path / "predictions.parquet", index=False)
    (path / "metrics.json").write_text(json.dumps(metrics or {}, indent=2, default=float))
    return path


def _output_folder(out: Path, overwrite: bool):
    """``--out``: replaced only when it is an earlier ``regnet train`` output."""
    from isograph._core import OutputFolder

    return OutputFolder(out, marker=("config.json", "metrics.json"),
                        what="a regnet train output", overwrite=overwrite, param="--out",
                        flag="--overwrite")


def _train(args) -> int:
    import torch

    from . import RegNet
    from .data import degree_neutral_test, genelink_split, load_beeline, load_example
    from .metrics import evaluate

    out = Path(args.out)
    folder = _output_folder(out, args.overwrite)
    try:  # before any work: a file, a foreign folder, the cwd, an unwritable place
        folder.check()
    except OSError as exc:
        raise SystemExit(f"regnet train: {exc}") from None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.example is not None:
        name, _, network = args.example.partition("/")
        data = load_example(name, network=network or None)
    else:
        data = load_beeline(args.data)
    model = RegNet(
        args.hidden_channels,
        latent_channels=args.latent_channels,
        heads=args.heads,
        max_epochs=args.max_epochs,
        patience=args.patience,
        device=args.device,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    metrics = {"dataset": data.name, "split": args.split, "seed": args.seed,
               "n_genes": len(data.genes), "n_tfs": len(data.tfs), "n_edges": len(data.edges)}
    start = time.perf_counter()
    if args.split == "genelink":
        split = genelink_split(data, random_state=args.seed)
        neutral = degree_neutral_test(split, data, random_state=args.seed)
        model.fit(data.expression, split.train, tfs=data.tfs, validation=split.validation)
        parts = {"train": split.train, "validation": split.validation, "test": split.test}
        metrics["test_density"] = evaluate(split.test["Label"], model.predict_proba(split.test))
        metrics["test_degree_neutral"] = evaluate(neutral["Label"], model.predict_proba(neutral))
    else:
        model.fit(data.expression, data.edges, tfs=data.tfs)
        parts = {"train": data.edges.assign(Label=1)}
    metrics.update(
        fit_seconds=time.perf_counter() - start,
        epochs=len(model.history_),
        best_epoch=int(model.best_epoch_),
        validation_auprc=float(model.validation_score_),
        calibration=model.calibration_,
    )
    # built beside --out and swapped in whole; the folder rule is checked again there
    try:
        with folder as staging:
            write_pretrain_directory(model, staging, parts=parts, metrics=metrics)
    except OSError as exc:
        raise SystemExit(f"regnet train: {exc}") from None
    summary = {k: metrics[k] for k in ("dataset", "epochs", "best_epoch", "validation_auprc")}
    for key in ("test_density", "test_degree_neutral"):
        if key in metrics:
            summary[key] = {m: round(metrics[key][m], 4) for m in ("auroc", "auprc_ratio")}
    print(f"regnet train: wrote {out}\n{json.dumps(summary, indent=2)}")
    return 0


def main(argv=None) -> int:
    """Entry point of the ``regnet`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["visualize"]:
        # the plotting command keeps its own parser (it also runs as a module)
        from .visualization.visualize_regnet import main as visualize

        return visualize(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "train":
        return _train(args)
    return 2  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
