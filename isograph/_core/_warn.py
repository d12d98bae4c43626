"""Warnings attributed to the user's line, not to ours.

A fixed ``stacklevel`` is right for one call path only: the same warning is
reached from ``fit``, from ``fit_dataset``, from a scikit-learn ``Pipeline`` or
through ``_fit_context``, each a different depth. As pandas'
``find_stack_level`` does, we count frames up to the first one outside our
packages (and scikit-learn's and joblib's, whose wrappers sit between a user's
``pipe.fit(X)`` or ``run_benchmark(...)`` and our code), so the warning names
the line the user wrote.
"""

from __future__ import annotations

import os
import sys
import warnings

import joblib
import sklearn

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../isograph
_LIBRARY_DIRS = tuple(
    os.path.join(path, "")
    for path in (_HERE, os.path.join(os.path.dirname(_HERE), "regnet"),
                 os.path.dirname(os.path.abspath(sklearn.__file__)),
                 os.path.dirname(os.path.abspath(joblib.__file__)))
)


def user_stacklevel() -> int:
    """``stacklevel`` for a ``warnings.warn`` called by our caller: its first frame outside us."""
    frame = sys._getframe(1)  # the function that will call warnings.warn
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
            _LIBRARY_DIRS):
        frame = frame.f_back
        level += 1
    return level


def warn(message, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the first line outside our packages and their wrappers.

    ``message`` may be a string or a warning instance (its class is then the category).
    """
    warnings.warn(message, category, stacklevel=user_stacklevel())
