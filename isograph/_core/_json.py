"""One JSON sanitizer for every file both packages write (configs, calibration, manifests)."""

from __future__ import annotations

import math
from datetime import date, datetime
from numbers import Integral
from pathlib import PurePath

import numpy as np


def to_jsonable(value, *, strict: bool = False):
    """Convert numpy, pandas, torch and path values into plain JSON types.

    Containers are converted element by element (dict keys become strings,
    sets are sorted so the file does not depend on hash order); numpy and
    torch scalars and arrays, pandas Series and Index become Python numbers
    and lists; a DataFrame becomes ``{column: [values]}``; paths become
    strings; dates and times ISO 8601 text. Non-finite floats become ``None``
    (``null``), so the output is standard JSON that any reader accepts.

    Parameters
    ----------
    value : object
    strict : bool, default=False
        What to do with a value of any other type: raise :class:`TypeError`
        (for files whose content must read back, e.g. a dataset manifest), or
        store its ``repr`` (for reports).

    Returns
    -------
    object
        Built from dict, list, str, int, float, bool and None only.

    Raises
    ------
    TypeError
        ``strict`` and a value of a type listed nowhere above; the message
        names the value and its type.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, strict=strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, strict=strict) for v in value]
    if isinstance(value, (set, frozenset)):
        return [to_jsonable(v, strict=strict) for v in sorted(value, key=repr)]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.generic):  # np.str_, np.datetime64, ...
        return to_jsonable(value.item(), strict=strict)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (datetime, date)):  # pandas.Timestamp is a datetime
        return value.isoformat()
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return to_jsonable(value.to_dict(orient="list"), strict=strict)
    if hasattr(value, "tolist"):  # numpy arrays, torch tensors, pandas Series / Index
        return to_jsonable(value.tolist(), strict=strict)
    if strict:
        raise TypeError(f"value {value!r} of type {type(value).__name__} is not "
                        "JSON-serializable; store numbers, text, lists or dicts")
    return repr(value)


def jsonable_params(estimator) -> dict:
    """``estimator.get_params(deep=False)`` as plain values a saved model can read back.

    Numpy numbers become Python numbers, sequences lists; a ``RandomState``
    instance becomes ``None`` (its state is not kept), an integer seed of any
    integer type is kept.
    """
    params = estimator.get_params(deep=False)
    if not (params.get("random_state") is None or isinstance(params["random_state"], Integral)):
        params["random_state"] = None
    return to_jsonable(params, strict=True)
