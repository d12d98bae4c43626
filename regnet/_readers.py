"""What a fitted RegNet answers: edge scores, gene embeddings and first-layer states.

The readers are a mixin of :class:`regnet.RegNet` so that the estimator file
holds the parameters and ``fit`` only; they read the state ``fit`` (or
``RegNet.load``) leaves behind and never change it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from sklearn.utils.validation import check_is_fitted

from ._convert import genes_by_cells
from ._inputs import check_pairs, standardize_rows
from .nn import GraphFeatures

__all__ = ["RegNetReadersMixin"]


class RegNetReadersMixin:
    """Scores, embeddings and layer states of a fitted :class:`regnet.RegNet`.

    Reads the parameters ``use_structure``, ``hidden_channels`` and
    ``latent_channels`` and the fitted ``module_``, ``device_``, ``genes_``,
    ``tfs_``, ``edges_``, ``expression_``, ``feature_names_in_``,
    ``input_feature_names_`` and ``calibration_``.
    """

    def _tensor(self, array, dtype=torch.long) -> torch.Tensor:
        array = np.asarray(array)
        # pandas 3 (copy-on-write) hands out read-only views; a tensor must not share them
        if not array.flags.writeable:
            array = array.copy()
        return torch.as_tensor(array, dtype=dtype, device=self.device_)

    def _features(self, X: pd.DataFrame, src=None, dst=None, scale=1.0) -> GraphFeatures:
        """Features of the genes of ``X`` over a graph (default: the training positives)."""
        if src is None:  # training positives restricted to the genes of X
            src = X.index.get_indexer(self.edges_["TF"])
            dst = X.index.get_indexer(self.edges_["Target"])
            inside = (src >= 0) & (dst >= 0)
            src, dst = src[inside], dst[inside]
        return GraphFeatures(
            self._tensor(standardize_rows(X.to_numpy()), torch.float32),
            self._tensor(np.stack([src, dst])),
            self._tensor(X.index.isin(self.tfs_), torch.float32),
            use_structure=self.use_structure,
            scale=scale,
        )

    # ------------------------------------------------------------ inference
    # _expression_of and _encode are also regnet.interpret's way in: the whole-encoder
    # weights differentiate the module at exactly the inputs the readers build. They stay
    # private because they hand out tensors, not labelled results; tests in
    # tests/regnet/test_interpret_encoder.py pin what they return.
    def _expression_of(self, X=None, *, layer=None, use_highly_variable=None) -> pd.DataFrame:
        """Genes x the cells seen in ``fit`` (in their order) that the readers read from ``X``.

        ``X=None`` is the expression seen in ``fit``; a DataFrame (genes x
        cells) or an AnnData (cells x genes, with ``layer`` /
        ``use_highly_variable``) goes through :func:`regnet._convert.genes_by_cells`.
        """
        if X is None:
            if layer is not None or use_highly_variable is not None:
                raise ValueError(
                    f"layer={layer!r} and use_highly_variable={use_highly_variable!r} read an "
                    "AnnData X; X is None (the expression seen in fit): pass the AnnData as X "
                    "or leave them unset."
                )
            return self.expression_
        X = genes_by_cells(X, self.genes_, layer=layer, use_highly_variable=use_highly_variable)
        missing = sorted(set(self.feature_names_in_) - set(X.columns))
        if missing:
            raise ValueError(
                f"X lacks {len(missing)} of the cells seen in fit, e.g. {missing[:3]}; "
                "X must be genes x the same cells."
            )
        return X.loc[:, list(self.feature_names_in_)]

    def _encode(self, X=None, **door):
        """Genes, features and the module's ``(mu, logvar)`` for the genes of ``X``.

        ``door`` holds ``layer`` / ``use_highly_variable`` for an AnnData ``X``
        (see :meth:`_expression_of`).
        """
        X = self._expression_of(X, **door)
        feats = self._features(X)
        self.module_.eval()
        with torch.no_grad():
            mu, logvar, _ = self.module_.encode(feats.x, feats.edge_index)
        return X.index, feats, mu, logvar

    def _logits(self, src, dst) -> np.ndarray:
        _, feats, mu, _ = self._encode()
        src, dst = self._tensor(src), self._tensor(dst)
        with torch.no_grad():
            logits = self.module_.decode(mu, src, dst, feats.pairs(src, dst))
        return logits.cpu().numpy().astype(np.float64)

    def candidate_pairs(self) -> pd.DataFrame:
        """All candidate pairs ``tfs_ x genes_`` but self pairs (columns ``TF``, ``Target``)."""
        check_is_fitted(self, "module_")
        tf = np.repeat(np.asarray(self.tfs_, dtype=object), len(self.genes_))
        target = np.tile(np.asarray(self.genes_, dtype=object), len(self.tfs_))
        keep = tf != target
        return pd.DataFrame({"TF": tf[keep], "Target": target[keep]})

    def decision_function(self, pairs: pd.DataFrame | None = None) -> pd.Series:
        """Uncalibrated edge logits of ``pairs`` (columns ``TF``, ``Target``).

        Parameters
        ----------
        pairs : pandas.DataFrame, optional
            Columns ``TF`` and ``Target`` naming genes seen in ``fit``;
            defaults to :meth:`candidate_pairs`.

        Returns
        -------
        pandas.Series
            Indexed like ``pairs``.
        """
        check_is_fitted(self, "module_")
        if pairs is None:
            pairs = self.candidate_pairs()
        frame = check_pairs(pairs, self.genes_, "pairs", label="ignore")
        logits = self._logits(frame["src"].to_numpy(), frame["dst"].to_numpy())
        return pd.Series(logits, index=pairs.index, name="logit")

    def predict_proba(self, pairs: pd.DataFrame | None = None):
        """Calibrated probability that each ``TF -> Target`` pair is a regulatory edge.

        Parameters
        ----------
        pairs : pandas.DataFrame, optional
            Columns ``TF`` and ``Target`` naming genes seen in ``fit``.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            With ``pairs``: ``sigmoid(logit / temperature)``, a Series indexed
            like ``pairs``. Without: the ranked network, a DataFrame
            ``TF, Target, probability`` over :meth:`candidate_pairs`, most
            probable first.

        Examples
        --------
        >>> network = RegNet().fit(adata, edges, errors="drop").predict_proba()  # doctest: +SKIP
        """
        ranked = pairs is None
        if ranked:
            pairs = self.candidate_pairs()
        logits = self.decision_function(pairs)
        proba = pd.Series(expit(logits.to_numpy() / self.calibration_["temperature"]),
                          index=pairs.index, name="probability")
        if not ranked:
            return proba
        network = pairs.assign(probability=proba.to_numpy())
        return network.sort_values("probability", ascending=False, kind="stable",
                                   ignore_index=True)

    def transform(self, X, *, layer=None, use_highly_variable=None,
                  key_added: str | None = None) -> pd.DataFrame:
        """VAE means of the genes of ``X`` (genes x latent).

        Parameters
        ----------
        X : pandas.DataFrame or anndata.AnnData
            Genes x the cells seen in ``fit`` (DataFrame), or cells x genes
            (AnnData); the graph is the training graph restricted to these genes.
        layer, use_highly_variable
            AnnData only, as in :meth:`fit`.
        key_added : str, optional
            AnnData only: also write the embedding to ``X.varm[key_added]``
            (``n_vars x latent``; NaN rows for genes left out, e.g. not highly
            variable), as ``scanpy.tl`` functions do.

        Returns
        -------
        pandas.DataFrame
            Index = genes of ``X``, columns :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "module_")
        if key_added is not None and not hasattr(X, "varm"):
            raise ValueError(f"key_added={key_added!r} writes to an AnnData's varm; X is a "
                             f"{type(X).__name__}: leave key_added unset.")
        genes, _, mu, _ = self._encode(X, layer=layer, use_highly_variable=use_highly_variable)
        out = pd.DataFrame(mu.cpu().numpy(), index=genes, columns=self.get_feature_names_out())
        if key_added is not None:
            X.varm[key_added] = out.reindex(X.var_names.astype(str)).to_numpy()
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the latent dimensions, ``latent_0 ... latent_{k-1}``."""
        return np.asarray([f"latent_{i}" for i in range(self.latent_channels)], dtype=object)

    # ------------------------------------------------------ interpretation
    def first_layer_states(self, X=None, *, layer=None,
                           use_highly_variable=None) -> dict[str, pd.DataFrame]:
        """Input and output of the first SAGE layer, per gene.

        Parameters
        ----------
        X : pandas.DataFrame or anndata.AnnData, optional
            Genes x the cells seen in ``fit`` (DataFrame), or cells x genes
            (AnnData); defaults to the expression seen in ``fit``.
        layer, use_highly_variable
            AnnData only, as in :meth:`fit`.

        Returns
        -------
        dict of pandas.DataFrame
            ``x`` (input features), ``m`` (mean of ``x`` over the gene's
            neighbours in the training-positive graph), ``h = g(x, m)`` (the
            layer output before its activation) and ``n`` (mean of ``h`` over
            the neighbours). ``x``/``m`` have columns ``input_feature_names_``;
            ``h``/``n`` have ``h_0 ... h_{hidden-1}``.
        """
        check_is_fitted(self, "module_")
        genes, feats, _, _ = self._encode(X, layer=layer, use_highly_variable=use_highly_variable)
        with torch.no_grad():
            states = self.module_.first_layer(feats.x, feats.edge_index)
        hidden = [f"h_{i}" for i in range(self.hidden_channels)]
        return {
            k: pd.DataFrame(v.cpu().numpy(), index=genes,
                            columns=self.input_feature_names_ if k in "xm" else hidden)
            for k, v in states.items()
        }

    def first_layer_aggregate(self, x, m) -> pd.DataFrame:
        """Apply the first layer's aggregator ``g(x, m)`` alone (evaluation mode).

        Parameters
        ----------
        x, m : pandas.DataFrame or array-like of shape (n_genes, n_inputs)
            Node inputs and neighbour means, columns ``input_feature_names_``.

        Returns
        -------
        pandas.DataFrame
            ``h``, indexed like ``x`` when it is a DataFrame.
        """
        check_is_fitted(self, "module_")
        index = x.index if isinstance(x, pd.DataFrame) else None
        x_t = self._tensor(np.asarray(x, dtype=np.float32), torch.float32)
        m_t = self._tensor(np.asarray(m, dtype=np.float32), torch.float32)
        width = len(self.input_feature_names_)
        if x_t.dim() != 2 or x_t.shape[1] != width or x_t.shape != m_t.shape:
            raise ValueError(
                f"x and m must both have shape (n_genes, {width}); got {tuple(x_t.shape)} "
                f"and {tuple(m_t.shape)}."
            )
        self.module_.eval()
        with torch.no_grad():
            h = self.module_.sage1.combine(x_t, m_t).cpu().numpy()
        return pd.DataFrame(h, index=index, columns=[f"h_{i}" for i in range(h.shape[1])])
