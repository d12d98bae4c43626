"""The ``isograph`` command line: import, fit, simulate, compare, benchmark, explain-module, report.

Every subcommand composes a packaged Hydra config (``isograph/cli/conf``);
everything after ``--`` on the command line is a Hydra override, e.g.::

    isograph fit --dataset-path data/ --output-dir out/ --backend latent -- latent.alpha=0.3
"""

from __future__ import annotations

import argparse
import sys

from ._commands import run_benchmark_command, run_compare, run_fit, run_simulate
from ._config import CliError, available_configs, load_config, one_line
from ._explain import add_explain_parsers
from ._import import add_import_parser

__all__ = ["CliError", "available_configs", "build_parser", "load_config", "main"]

#: Errors reported as one line with exit status 1 (anything else is a bug: traceback).
USER_ERRORS = (CliError, OSError, ValueError, TypeError, ImportError, RuntimeError)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message):
        raise _UsageError(f"{message} (see '{self.prog} --help')")


_OVERRIDES = ("Hydra overrides go after '--', e.g. `-- vae.max_epochs=100 latent.alpha=null`; "
              "`null` switches an option off. IsoGraph's names are accepted too "
              "(vae.hidden_dim, vae.n_hidden_layers, vae.n_epochs; see docs/cli.md).")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``isograph`` (overrides after ``--`` are split off first)."""
    parser = _Parser(prog="isograph", description="Gene modules from isoform-resolved bulk "
                     "RNA-seq: import quantifier outputs, fit, simulate, compare, benchmark, "
                     "explain and report.",
                     epilog=_OVERRIDES)
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback of an error instead of one line")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"isograph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="{import,fit,simulate,compare,benchmark,"
                                "explain-module,report}")

    fit = sub.add_parser("fit", help="fit one backend to a dataset folder", epilog=_OVERRIDES)
    fit.add_argument("--dataset-path", required=True, help="dataset folder (manifest.json)")
    fit.add_argument("--output-dir", required=True, help="folder for the artifacts")
    fit.add_argument("--backend", help="auto | vae | baseline | latent | graph | wgcna "
                     "(default: auto = vae from 50 samples on, latent below)")
    fit.add_argument("--overwrite", action="store_true",
                     help="replace an earlier fit output in --output-dir")
    fit.add_argument("--quiet", action="store_true",
                     help="no progress bar (shown on a terminal while the VAE trains)")
    fit.set_defaults(func=run_fit)

    sim = sub.add_parser("simulate", help="write a synthetic dataset folder with its truth",
                         epilog=_OVERRIDES)
    sim.add_argument("--preset", help="toy | small | medium | large | xlarge (default: small)")
    sim.add_argument("--output-dir", required=True, help="the dataset folder to create")
    sim.add_argument("--overwrite", action="store_true",
                     help="replace an earlier dataset folder")
    sim.set_defaults(func=run_simulate)

    cmp_ = sub.add_parser("compare", help="several backends side by side on one dataset",
                          epilog=_OVERRIDES)
    cmp_.add_argument("--dataset-path", required=True, help="dataset folder (manifest.json)")
    cmp_.add_argument("--backends", help="comma-separated names (default: baseline,latent,vae)")
    cmp_.add_argument("--output-dir", help="also write each backend's artifacts and the table")
    cmp_.add_argument("--overwrite", action="store_true",
                      help="replace an earlier compare output")
    cmp_.set_defaults(func=run_compare)

    bench = sub.add_parser("benchmark", help="suites x backends x seeds on synthetic data",
                           epilog=_OVERRIDES)
    bench.add_argument("--config-name", default="benchmark",
                       help="benchmark (default) or quick (toy suite, one seed)")
    bench.add_argument("--output-dir", help="report folder (default: the config's output_dir)")
    bench.add_argument("--overwrite", action="store_true",
                       help="replace an earlier benchmark report")
    bench.set_defaults(func=run_benchmark_command)
    add_explain_parsers(sub)
    add_import_parser(sub)
    return parser


def _split_overrides(argv: list[str]) -> tuple[list[str], list[str]]:
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


def main(argv=None) -> int:
    """Run the ``isograph`` command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).
        Everything after ``--`` is passed to Hydra as overrides.

    Returns
    -------
    int
        0 on success, 1 on an error (one line on stderr, nothing written),
        2 on a usage error.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    argv, overrides = _split_overrides(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        sys.stderr.write(f"isograph: error: {exc}\n")
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        return args.func(args, overrides)
    except KeyboardInterrupt:
        sys.stderr.write(f"isograph {args.command}: interrupted\n")
        return 130
    except USER_ERRORS as exc:
        if args.traceback:
            raise
        sys.stderr.write(f"isograph {args.command}: error: {one_line(exc)}\n")
        return 1
