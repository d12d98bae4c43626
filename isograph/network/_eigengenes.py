"""Module eigengenes: the leading principal component of a module's standardized features."""

from __future__ import annotations

import numpy as np


def fit_eigengene_loadings(Z: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loadings that map standardized features to module eigengenes.

    For each module the leading right singular vector of its member columns is
    scaled so the eigengene has unit variance on the training samples, and its
    sign is chosen so the eigengene correlates positively with the members'
    mean.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized features.
    labels : ndarray of shape (n_features,)
        Module per feature, ``-1`` = none. Modules are ``0 .. k-1``.

    Returns
    -------
    loadings : ndarray of shape (n_features, n_modules)
        Zero outside each module's members; ``eigengenes = Z @ loadings``.
    variance_explained : ndarray of shape (n_modules,)
        Fraction of the members' variance captured by the eigengene.
    """
    Z = np.asarray(Z, dtype=np.float64)
    labels = np.asarray(labels)
    n_modules = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    loadings = np.zeros((Z.shape[1], n_modules))
    explained = np.zeros(n_modules)
    n = Z.shape[0]
    for k in range(n_modules):
        members = np.flatnonzero(labels == k)
        block = Z[:, members]
        _, s, vt = np.linalg.svd(block, full_matrices=False)
        v = vt[0]
        if s[0] <= 0:
            continue
        score = block @ v
        if np.dot(score - score.mean(), block.mean(axis=1)) < 0:
            v = -v
        loadings[members, k] = v * np.sqrt(n) / s[0]
        explained[k] = s[0] ** 2 / max(np.sum(s**2), 1e-300)
    return loadings, explained
