"""Private machinery shared by ``isograph`` and ``regnet`` (no torch at import time).

``_output``: output folders replaced only when ours, built beside the target and
swapped in whole; single files written under a temporary name and renamed.
"""

from ._output import OutputFolder, atomic_file, output_folder, sweep_stale_folders

__all__ = ["OutputFolder", "atomic_file", "output_folder", "sweep_stale_folders"]
