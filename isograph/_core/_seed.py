"""Seeds from ``random_state`` the way scikit-learn reads it, for both packages."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

#: Largest seed drawn (torch, numpy and leidenalg all accept a 31-bit int).
MAX_SEED = int(np.iinfo(np.int32).max)


def draw_seed(random_state) -> int:
    """One integer seed from ``random_state``, as scikit-learn reads it.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An int gives the same seed on every call (so a fit repeats); a
        ``RandomState`` advances; ``None`` draws from numpy's global generator,
        i.e. a fresh seed per fit (sklearn's meaning of ``None``).

    Returns
    -------
    int
        In ``[0, MAX_SEED)``.
    """
    return int(check_random_state(random_state).randint(MAX_SEED))


def int_seed(random_state) -> int:
    """An int seed for a library that takes one (leidenalg, R's ``set.seed``).

    An int is used as it is (modulo :data:`MAX_SEED`), so the seed a user
    passes is the seed the library sees; a ``RandomState`` or ``None`` goes
    through :func:`draw_seed`.

    Parameters
    ----------
    random_state : int, RandomState instance or None

    Returns
    -------
    int
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state) % MAX_SEED
    return draw_seed(random_state)
