"""Synthetic isoform datasets with planted modules, roles and covariates."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import IsoformData
from ._presets import resolve_parameters
from ._simulate import ROLES, draw_samples, plan_genes, simulate_counts


@dataclass
class SyntheticDataset:
    """A generated dataset together with the truth it was generated from.

    Parameters
    ----------
    data : IsoformData
        Transcript counts (samples x transcripts), the transcript table and the
        sample table (``batch``, ``confounder``, ``trait``, ``group``, ``library_size``).
    genes : pandas.DataFrame
        Indexed by ``gene_id``. Columns: ``module_id`` (int, ``-1`` = background),
        ``role`` (``"abundance_only"``, ``"switch_only"``, ``"coupled"``,
        ``"discordant"`` or ``"background"``), ``n_isoforms``, ``driver_transcript``
        (transcript whose usage follows the module, or ``None``),
        ``abundance_loading`` and ``switch_loading`` (0 where the channel is unused).
    module_latents : pandas.DataFrame
        Samples x modules: the planted module signals ``z_m`` (columns are the
        integer module ids).
    params : dict
        Every generator parameter actually used, plus ``preset``, ``random_state``,
        ``module_sizes``, ``trait_module`` and ``group_module``.
    """

    data: IsoformData
    genes: pd.DataFrame
    module_latents: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def labels(self) -> pd.Series:
        """True module label per gene (``-1`` = background), for the metrics."""
        return self.genes["module_id"]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def _check_float(name, value, low, high, *, low_open=False, high_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        lo, hi = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in {lo}{low}, {high}{hi}; got {value!r}.")


def _validate(p: dict) -> None:
    """Check every generator parameter; raise naming the first bad one."""
    _check_int("n_genes", p["n_genes"], 1)
    _check_int("n_samples", p["n_samples"], 4)
    _check_int("n_modules", p["n_modules"], 1)
    _check_int("min_module_size", p["min_module_size"], 2)
    _check_int("n_batches", p["n_batches"], 1)
    _check_float("module_fraction", p["module_fraction"], 0.0, 1.0, low_open=True)
    for name in ("batch_effect", "confounder_effect", "dispersion"):
        _check_float(name, p[name], 0.0, np.inf, high_open=True)
    for name in ("covariate_gene_fraction", "covariate_usage_fraction"):
        _check_float(name, p[name], 0.0, 1.0)
    _check_float("mean_gene_count", p["mean_gene_count"], 0.0, np.inf, low_open=True,
                 high_open=True)
    _check_float("library_size_sd", p["library_size_sd"], 0.0, np.inf, high_open=True)
    _check_float("trait_correlation", p["trait_correlation"], -1.0, 1.0)
    for name in ("abundance_effect", "switch_effect"):
        value = p[name]
        if (not isinstance(value, (tuple, list)) or len(value) != 2
                or not all(isinstance(v, numbers.Real) for v in value)
                or not 0 <= value[0] <= value[1]):
            raise ValueError(f"{name} must be a (low, high) pair with 0 <= low <= high; "
                             f"got {value!r}.")
    fractions = p["role_fractions"]
    if not isinstance(fractions, dict) or set(fractions) - set(ROLES):
        raise ValueError(f"role_fractions must be a dict with keys among {list(ROLES)}; "
                         f"got {fractions!r}.")
    values = np.array([fractions.get(r, 0.0) for r in ROLES], dtype=float)
    if np.any(values < 0) or not np.isclose(values.sum(), 1.0):
        raise ValueError(f"role_fractions must be non-negative and sum to 1; got {fractions!r}.")
    n_module_genes = int(round(p["module_fraction"] * p["n_genes"]))
    needed = p["n_modules"] * p["min_module_size"]
    if n_module_genes < needed:
        raise ValueError(
            f"module_fraction * n_genes = {n_module_genes} module genes cannot hold "
            f"n_modules={p['n_modules']} modules of min_module_size={p['min_module_size']} "
            f"(needs {needed}); raise n_genes or module_fraction, or lower n_modules."
        )


def _rng(random_state) -> np.random.Generator:
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"random_state must be None, an int, a numpy Generator or RandomState; "
            f"got {random_state!r}."
        ) from exc


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def make_isoform_dataset(
    preset: str | None = None,
    *,
    n_genes: int | None = None,
    n_samples: int | None = None,
    n_modules: int | None = None,
    module_fraction: float | None = None,
    min_module_size: int | None = None,
    role_fractions: dict | None = None,
    nonlinear: bool | None = None,
    n_batches: int | None = None,
    batch_effect: float | None = None,
    confounder_effect: float | None = None,
    covariate_gene_fraction: float | None = None,
    covariate_usage_fraction: float | None = None,
    abundance_effect: tuple[float, float] | None = None,
    switch_effect: tuple[float, float] | None = None,
    dispersion: float | None = None,
    mean_gene_count: float | None = None,
    library_size_sd: float | None = None,
    trait_correlation: float | None = None,
    random_state=None,
) -> SyntheticDataset:
    """Generate isoform-level bulk RNA-seq counts with planted gene modules.

    Parameters
    ----------
    preset : str, optional
        A name from :func:`list_presets` (``"toy"``, ``"small"``, ``"medium"``,
        ``"large"``, ``"xlarge"``). Keyword arguments given explicitly (not ``None``)
        override the preset; anything left unset comes from the preset, then from
        ``isograph.benchmark._presets.DEFAULTS`` (which equal ``"small"``).
    n_genes, n_samples : int
        Matrix size. Each gene has 1-5 isoforms (about 2.4 on average).
    n_modules : int
        Number of planted modules.
    module_fraction : float in (0, 1]
        Fraction of genes that belong to a module; the rest are background.
    min_module_size : int
        Smallest module. Sizes are ``min_module_size`` plus a multinomial share of the
        remaining module genes with geometrically decaying weights (largest about 4x
        the smallest), so modules are of unequal size. Module 0 is the largest.
    role_fractions : dict
        Share of module genes per role, keys among ``"abundance_only"``,
        ``"switch_only"``, ``"coupled"``, ``"discordant"``; must sum to 1.
    nonlinear : bool
        Curve each member gene's response: ``s = (z + k (z**2 - 1)) / sqrt(1 + 2 k**2)``
        with ``k ~ U(0.3, 1)`` per gene instead of ``s = z``.
    n_batches : int
        Levels of the balanced categorical ``batch`` column.
    batch_effect, confounder_effect : float
        Standard deviation of the per-gene log-abundance shift per batch level
        (centred over levels) and of the per-gene slope on the standard-normal
        ``confounder``.
    covariate_gene_fraction : float
        Fraction of genes shifted by the batch (and, drawn independently, by the
        confounder).
    covariate_usage_fraction : float
        Fraction of multi-isoform genes in which the covariates also move the
        usage of one random isoform.
    abundance_effect, switch_effect : (float, float)
        Uniform range of ``|a_g|`` (log-abundance per unit latent) and ``|b_g|``
        (driver log-odds per unit latent).
    dispersion : float
        Negative-binomial dispersion ``phi`` (variance ``mu + phi mu**2``); 0 = Poisson.
    mean_gene_count : float
        Average expected reads per gene at the median library size.
    library_size_sd : float
        Standard deviation of log library size, clipped at +-2 sd (about a 3x range
        for the default 0.3).
    trait_correlation : float
        Correlation of the numeric ``trait`` with module 0's latent.
    random_state : int, numpy.random.Generator or None
        Seed; the same seed gives the same dataset.

    Returns
    -------
    SyntheticDataset
        ``data`` (an :class:`~isograph.data.IsoformData`), ``genes``,
        ``module_latents`` and ``params``.

    See Also
    --------
    isograph.benchmark.metrics.score_modules : Compare predicted modules to ``genes``.

    Notes
    -----
    For sample ``i`` and module ``m`` the latent is ``z_im ~ N(0, 1)``; each member
    gene ``g`` sees ``s_ig`` (``z`` or its curved form). Expected gene abundance is
    ``log mu_ig = log L_i + base_g + a_g s_ig + batch_g[batch_i] + c_g confounder_i``
    and isoform usage is ``softmax_t(base_t + b_g v_t s_ig)``, where ``v`` is 1 on the
    driver (one of the gene's two most used isoforms) and small N(0, 0.2) side
    components on the others. Roles set the loadings: ``abundance_only`` has
    ``b_g = 0``; ``switch_only`` has ``a_g = 0`` (fixed gene total); ``coupled`` has
    ``sign(a_g) = sign(b_g)``; ``discordant`` opposite signs; ``background`` genes
    have neither. Transcript counts are gamma-Poisson draws with mean
    ``mu_ig * usage_it``. The numeric ``trait`` follows module 0 and the categorical
    ``group`` (``"case"``/``"control"``) follows module ``1 % n_modules``; both are
    recorded in ``params``. With the defaults, member-gene features correlate with
    their latent at roughly 0.5-0.9.

    Examples
    --------
    >>> from isograph.benchmark import make_isoform_dataset
    >>> ds = make_isoform_dataset("toy", random_state=0)
    >>> ds.data.transcript_counts.shape[0], len(ds.genes)
    (60, 40)
    """
    overrides = {k: v for k, v in locals().items() if k not in ("preset", "random_state")}
    p = resolve_parameters(preset, overrides)
    if isinstance(p["abundance_effect"], list):
        p["abundance_effect"] = tuple(p["abundance_effect"])
    if isinstance(p["switch_effect"], list):
        p["switch_effect"] = tuple(p["switch_effect"])
    p["nonlinear"] = bool(p["nonlinear"])
    _validate(p)
    rng = _rng(random_state)

    plan = plan_genes(rng, p)
    trait_module, group_module = 0, 1 % p["n_modules"]
    draw = draw_samples(rng, p, trait_module, group_module)
    counts = simulate_counts(rng, p, plan, draw)

    gene_ids = _ids("G", p["n_genes"], 5)
    sample_ids = pd.Index(_ids("S", p["n_samples"], 4), name="sample_id")
    tx_ids = gene_ids[plan.tx_gene] + ".T" + (plan.tx_rank + 1).astype(str).astype(object)
    transcripts = pd.DataFrame({"transcript_id": tx_ids, "gene_id": gene_ids[plan.tx_gene]})

    driver = np.full(p["n_genes"], None, dtype=object)
    has_driver = plan.driver_rank >= 0
    driver[has_driver] = (gene_ids[has_driver] + ".T"
                          + (plan.driver_rank[has_driver] + 1).astype(str).astype(object))
    genes = pd.DataFrame(
        {
            "module_id": plan.module_id,
            "role": pd.Series(plan.role, dtype=object).to_numpy(),
            "n_isoforms": plan.n_isoforms.astype(np.int64),
            "driver_transcript": driver,
            "abundance_loading": plan.abundance_loading,
            "switch_loading": plan.switch_loading,
        },
        index=pd.Index(gene_ids, name="gene_id"),
    )

    batch_levels = [f"batch{j + 1}" for j in range(p["n_batches"])]
    samples = pd.DataFrame(
        {
            "batch": pd.Categorical.from_codes(draw.batch, categories=batch_levels),
            "confounder": draw.confounder,
            "trait": draw.trait,
            "group": pd.Categorical(np.where(draw.group, "case", "control"),
                                    categories=["control", "case"]),
            "library_size": draw.library_size,
        },
        index=sample_ids,
    )
    latents = pd.DataFrame(draw.latents, index=sample_ids.copy(),
                           columns=pd.Index(range(p["n_modules"]), name="module_id"))

    params = dict(p)
    params.update(
        preset=preset,
        random_state=int(random_state) if isinstance(random_state, numbers.Integral) else None,
        module_sizes=[int(s) for s in plan.module_sizes],
        trait_module=trait_module,
        group_module=group_module,
    )
    json_params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}
    data = IsoformData(
        transcript_counts=pd.DataFrame(counts, index=sample_ids.copy(),
                                       columns=pd.Index(tx_ids, name="transcript_id")),
        transcripts=transcripts,
        samples=samples,
        metadata={"generator": "isograph.benchmark.make_isoform_dataset",
                  "params": json_params},
    )
    return SyntheticDataset(data=data, genes=genes, module_latents=latents, params=params)
