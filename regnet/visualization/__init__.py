"""regnet.visualization: the command-line plotting entry point.

Run ``python -m regnet.visualization.visualize_regnet --pretrain_dir DIR``; the
plotting functions themselves live in :mod:`regnet.interpret`. The command's
module is not imported here, so that ``python -m`` runs it without a
double-import warning.
"""

__all__: list[str] = []
