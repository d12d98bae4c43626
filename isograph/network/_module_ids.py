"""The one module-id rule of every artifact: an integer key, ``"M<k>"`` only as its label.

Tables key modules by an integer ``module_id`` column (``-1`` = unassigned):
``modules.parquet``, ``feature_scores.parquet``, ``module_gene_roles.parquet``
and ``traits.parquet``. The label ``"M<k>"`` names module ``k`` where a name
is needed: the columns of ``eigengenes.parquet`` and of ``transform``'s output,
and the ``module`` display column of ``traits.parquet``. The two helpers
below are the only conversion between them.
"""

from __future__ import annotations

import numbers
import re

_LABEL = re.compile(r"^[Mm](\d+)$")


def module_label(module_id: int) -> str:
    """Label of module ``module_id``: ``3 -> "M3"``.

    Parameters
    ----------
    module_id : int
        A non-negative module id.

    Returns
    -------
    str
    """
    return f"M{int(module_id)}"


def module_id_of(label) -> int:
    """Integer id of a module label: ``"M3" -> 3`` (``3`` and ``"3"`` are accepted too).

    Parameters
    ----------
    label : str or int
        ``"M<k>"``, ``k`` or ``"<k>"``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        ``label`` is none of these forms.
    """
    if isinstance(label, numbers.Integral) and not isinstance(label, bool):
        return int(label)
    text = str(label).strip()
    match = _LABEL.match(text)
    if match:
        return int(match.group(1))
    if text.isdigit():
        return int(text)
    raise ValueError(f"module label {label!r} is not of the form 'M<k>' (e.g. 'M3') or an "
                     "integer module id")
