"""``regnet`` command line: ``regnet train --data <BEELINE folder> --output-dir <dir>``.

Every expected failure (bad input, a network the model cannot use, a folder
that exists) ends as one line on stderr naming the problem and the flag that
fixes it, exit status 1; ``--traceback`` shows the full traceback instead.
Inputs are checked before training starts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from isograph._core._params import check_parameters
from isograph._core._torch import torch_threads

__all__ = ["USER_ERRORS", "main", "write_pretrain_directory"]


class CliError(Exception):
    """An expected failure of the command line, reported as one line."""


# What a user can fix: reported as one line, not a traceback.
USER_ERRORS = (CliError, OSError, ValueError, TypeError, ImportError, KeyError)


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (multi-line messages joined with '; ')."""
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    parts = [line.strip() for line in str(message).splitlines()]
    return "; ".join(p for p in parts if p) or type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regnet", description="Gene regulatory network inference with RegNet."
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"regnet {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback of an error instead of one line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "visualize", add_help=False,
        help="plots of a pretrain directory (see `regnet visualize --help`)",
    )
    train = sub.add_parser(
        "train",
        help="train RegNet on a BEELINE folder and write a pretrain directory",
        description=(
            "Train RegNet on a BEELINE folder, in GENELink's layout (BL--ExpressionData.csv, "
            "BL--network.csv or Label.csv + Target.csv, optional TF.csv) or BEELINE's own "
            "(ExpressionData.csv, refNetwork.csv or GroundTruthNetwork.csv), and write the "
            "model, embeddings, first-layer states, predictions, history and metrics."
        ),
    )
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="BEELINE dataset folder")
    source.add_argument(
        "--example", metavar="NAME[/NETWORK]",
        help="a bundled dataset instead of --data, e.g. mDC/STRING, mDC/Specific, mESC, GSD",
    )
    train.add_argument("--layout", choices=("auto", "genelink", "beeline"), default="auto",
                       help="folder layout of --data (default: detected from the file names)")
    train.add_argument("--errors", choices=("raise", "drop"), default="raise",
                       help="drop: drop (and count) self loops, duplicate edges and edges or TFs "
                            "outside the expression matrix; raise: stop and name them (default)")
    train.add_argument("--output-dir", help="output directory (created; required)")
    train.add_argument("--out", dest="out_deprecated", help=argparse.SUPPRESS)
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
    train.add_argument("--overwrite", action="store_true",
                       help="replace a non-empty --output-dir")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


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
    from isograph._core import to_jsonable

    path = model.save(directory)
    model.transform(model.expression_).to_parquet(path / "embeddings.parquet")
    for name, frame in model.first_layer_states().items():
        frame.to_parquet(path / f"first_layer_{name}.parquet")
    predictions = model.candidate_pairs()
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
    (path / "metrics.json").write_text(json.dumps(to_jsonable(metrics or {}), indent=2))
    return path


def _output_folder(out: Path, overwrite: bool):
    """``--output-dir``: replaced only when it is an earlier ``regnet train`` output."""
    from isograph._core import OutputFolder

    return OutputFolder(out, marker=("config.json", "metrics.json"),
                        what="a regnet train output", overwrite=overwrite, param="--output-dir",
                        flag="--overwrite")


_PARAM_FLAGS = {
    "hidden_channels": "--hidden-channels", "latent_channels": "--latent-channels",
    "heads": "--heads", "max_epochs": "--max-epochs", "patience": "--patience",
    "device": "--device",
}


def _flagged(call, flags: dict):
    """Run ``call``; a ValueError / OSError gets the flag that fixes it appended.

    ``flags`` maps a word of the message (a parameter name) to its flag; the
    key ``""`` names the flag for any other message.
    """
    try:
        return call()
    except (ValueError, OSError) as exc:
        message = one_line(exc)
        flag = next((f for word, f in flags.items() if word and word in message), flags.get(""))
        if flag is None or " --" in message:  # the message already names its flag
            raise
        raise CliError(f"{message} (flag: {flag})") from exc


def _output_dir(args) -> str:
    if args.out_deprecated is not None:
        sys.stderr.write("regnet train: --out is deprecated; use --output-dir (same meaning).\n")
        if args.output_dir is not None and args.output_dir != args.out_deprecated:
            raise CliError("--out and --output-dir name different folders; pass --output-dir "
                           "only.")
        return args.out_deprecated
    if args.output_dir is None:
        raise CliError("the output folder is missing; pass --output-dir DIR.")
    return args.output_dir


def _train(args) -> int:
    out = Path(_output_dir(args))
    # held from before any work to the swap: a file, a foreign folder, the cwd or an
    # unwritable place fails now, and so does a second run into the same folder
    with _output_folder(out, args.overwrite) as staging:
        with torch_threads(args.threads):  # restored afterwards, as a fit's n_threads
            summary = _train_into(args, staging)
    print(f"regnet train: wrote {out}\n{json.dumps(summary, indent=2)}")
    return 0


def _train_into(args, staging: Path) -> dict:
    """Load, train, evaluate and write everything into ``staging``; return the summary."""
    from . import RegNet
    from .data import degree_neutral_test, genelink_split, load_beeline, load_example
    from .metrics import evaluate

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
    _flagged(lambda: check_parameters(model), _PARAM_FLAGS)  # before loading or training
    if args.example is not None:
        name, _, network = args.example.partition("/")
        data = _flagged(lambda: load_example(name, network=network or None),
                        {"": "--example"})
    else:
        data = _flagged(lambda: load_beeline(args.data, errors=args.errors, layout=args.layout),
                        {"": "--data"})
    metrics = {"dataset": data.name, "split": args.split, "seed": args.seed,
               "n_genes": len(data.genes), "n_tfs": len(data.tfs), "n_edges": len(data.edges)}
    start = time.perf_counter()
    if args.split == "genelink":
        split = _flagged(lambda: genelink_split(data, random_state=args.seed),
                         {"": "--seed, or --split none to train on every edge"})
        neutral = degree_neutral_test(split, data, random_state=args.seed)
        model.fit(data.expression, split.train, tfs=data.tfs, validation=split.validation)
        parts = {"train": split.train, "validation": split.validation, "test": split.test}
        for key, pairs in (("test_density", split.test), ("test_degree_neutral", neutral)):
            if pairs["Label"].nunique() == 2:
                metrics[key] = evaluate(pairs["Label"], model.predict_proba(pairs))
            else:  # a network this dense leaves no negative to test on: say so, keep the model
                metrics[key] = {"skipped": f"the test pairs hold only label "
                                           f"{int(pairs['Label'].iloc[0]) if len(pairs) else '-'}"}
                sys.stderr.write(f"regnet train: {key} not measured: "
                                 f"{metrics[key]['skipped']}.\n")
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
    write_pretrain_directory(model, staging, parts=parts, metrics=metrics)
    summary = {k: metrics[k] for k in ("dataset", "epochs", "best_epoch", "validation_auprc")}
    for key in ("test_density", "test_degree_neutral"):
        if key in metrics and "skipped" not in metrics[key]:
            summary[key] = {m: round(metrics[key][m], 4) for m in ("auroc", "auprc_ratio")}
    return summary


def main(argv=None) -> int:
    """Entry point of the ``regnet`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["visualize"]:
        # the plotting command keeps its own parser (it also runs as a module)
        from .visualization.visualize_regnet import main as visualize

        return visualize(argv[1:], prog="regnet visualize")
    args = _parser().parse_args(argv)
    try:
        return _train(args)
    except USER_ERRORS as exc:
        if args.traceback:
            raise
        sys.stderr.write(f"regnet {args.command}: error: {one_line(exc)}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
