"""Private machinery shared by ``isograph`` and ``regnet`` (no torch at import time).

``_output``: output folders replaced only when ours, built beside the target and
swapped in whole; ``_file``: single files written under a temporary name and
renamed; ``_lock``: one writer per target; ``_stale``: temporary folders named
after their owner's pid, removed once it is gone; ``_json``: the one JSON
sanitizer; ``_seed``: seeds from ``random_state``; ``_torch`` (import it by
name, it loads torch lazily): device, threads, seeding and checkpoint reading;
``_training`` (by name too): the early-stopping loop of the VAE and RegNet;
``_warn``: warnings that name the user's line, not ours; ``_params``: an
estimator's parameter rules applied before a workflow's work.
"""

from ._file import atomic_file
from ._json import jsonable_params, to_jsonable
from ._output import OutputFolder, output_folder
from ._seed import draw_seed, int_seed
from ._stale import sweep_stale_folders

__all__ = ["OutputFolder", "atomic_file", "draw_seed", "int_seed", "output_folder",
           "jsonable_params", "sweep_stale_folders", "to_jsonable"]
