"""An estimator's parameter rules applied on demand, before a workflow does any work."""

from __future__ import annotations


def check_parameters(estimator) -> None:
    """Apply ``estimator``'s parameter rules now, as its ``fit`` will.

    The convention of both packages: scikit-learn's ``_parameter_constraints``
    (checked by ``_fit_context`` when ``fit`` starts), then the estimator's
    ``_check_params`` for what constraints cannot state (ties between
    parameters, items of a sequence, the device). A workflow that spends
    minutes on data first calls this to fail at once. Estimators of other
    libraries pass unchecked.
    """
    if hasattr(estimator, "_parameter_constraints"):
        estimator._validate_params()  # scikit-learn's check of _parameter_constraints
    if hasattr(estimator, "_check_params"):
        estimator._check_params()
