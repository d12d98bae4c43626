"""Array-level simulation of isoform counts with planted modules (no pandas)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ROLES = ("abundance_only", "switch_only", "coupled", "discordant")
BACKGROUND = "background"
SWITCH_ROLES = ("switch_only", "coupled", "discordant")

# Isoforms per gene: 1..5 for genes without a switch, 2..5 for genes with one.
_ISOFORM_PROBS = np.array([0.3, 0.3, 0.2, 0.12, 0.08])
_SWITCH_ISOFORM_PROBS = _ISOFORM_PROBS[1:] / _ISOFORM_PROBS[1:].sum()
# Geometric spread of module-size weights: the largest weight is this many times the smallest.
_MODULE_SIZE_SPREAD = 4.0


@dataclass
class GenePlan:
    """Per-gene and per-transcript truth drawn before any sample is simulated."""

    module_id: np.ndarray  # (n_genes,) int, -1 = background
    role: np.ndarray  # (n_genes,) object
    n_isoforms: np.ndarray  # (n_genes,) int
    abundance_loading: np.ndarray  # (n_genes,) float
    switch_loading: np.ndarray  # (n_genes,) float
    nonlinearity: np.ndarray  # (n_genes,) float, 0 = linear
    base_log_abundance: np.ndarray  # (n_genes,) float
    tx_gene: np.ndarray  # (n_transcripts,) int gene index, genes contiguous
    tx_rank: np.ndarray  # (n_transcripts,) isoform number within its gene, from 0
    tx_base_logit: np.ndarray  # (n_transcripts,) float
    tx_switch_direction: np.ndarray  # (n_transcripts,) float, 0 for non-switch genes
    driver_rank: np.ndarray  # (n_genes,) int isoform number of the driver, -1 = none
    module_sizes: np.ndarray  # (n_modules,) int, descending


def module_sizes(rng: np.random.Generator, n_module_genes: int, n_modules: int,
                 min_size: int) -> np.ndarray:
    """Unequal module sizes summing to ``n_module_genes``, each >= ``min_size``, descending."""
    extra = n_module_genes - n_modules * min_size
    ratio = _MODULE_SIZE_SPREAD ** (-1.0 / max(n_modules - 1, 1))
    weights = ratio ** np.arange(n_modules) * rng.dirichlet(np.full(n_modules, 20.0))
    sizes = min_size + rng.multinomial(extra, weights / weights.sum())
    return np.sort(sizes)[::-1].astype(np.int64)


def _role_counts(n: int, fractions: np.ndarray) -> np.ndarray:
    """Largest-remainder rounding of ``n * fractions`` to integers summing to ``n``."""
    raw = n * fractions
    counts = np.floor(raw).astype(np.int64)
    remainder = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def plan_genes(rng: np.random.Generator, p: dict) -> GenePlan:
    """Draw modules, roles, isoform structure and loadings for every gene."""
    n_genes, n_modules = p["n_genes"], p["n_modules"]
    n_module_genes = int(round(p["module_fraction"] * n_genes))
    sizes = module_sizes(rng, n_module_genes, n_modules, p["min_module_size"])

    order = rng.permutation(n_genes)  # module members are scattered over gene ids
    module_id = np.full(n_genes, -1, dtype=np.int64)
    module_id[order[:n_module_genes]] = np.repeat(np.arange(n_modules), sizes)

    fractions = np.array([p["role_fractions"].get(r, 0.0) for r in ROLES], dtype=float)
    role_of_member = np.repeat(np.array(ROLES, dtype=object), _role_counts(n_module_genes,
                                                                         fractions))
    role = np.full(n_genes, BACKGROUND, dtype=object)
    role[order[:n_module_genes]] = rng.permutation(role_of_member)

    has_switch = np.isin(role, SWITCH_ROLES)
    n_iso = 1 + rng.choice(5, size=n_genes, p=_ISOFORM_PROBS)
    n_iso[has_switch] = 2 + rng.choice(4, size=int(has_switch.sum()), p=_SWITCH_ISOFORM_PROBS)

    sign = rng.choice(np.array([-1.0, 1.0]), size=n_genes)
    a_mag = rng.uniform(*p["abundance_effect"], size=n_genes)
    b_mag = rng.uniform(*p["switch_effect"], size=n_genes)
    has_abundance = np.isin(role, ("abundance_only", "coupled", "discordant"))
    abundance_loading = np.where(has_abundance, sign * a_mag, 0.0)
    switch_sign = np.where(role == "discordant", -sign, sign)
    switch_loading = np.where(has_switch, switch_sign * b_mag, 0.0)

    nonlinearity = np.zeros(n_genes)
    if p["nonlinear"]:
        members = module_id >= 0
        nonlinearity[members] = rng.uniform(0.3, 1.0, size=int(members.sum()))

    n_tx = int(n_iso.sum())
    tx_gene = np.repeat(np.arange(n_genes), n_iso)
    starts = np.concatenate([[0], np.cumsum(n_iso)[:-1]])
    tx_rank = np.arange(n_tx) - starts[tx_gene]
    tx_base_logit = rng.normal(0.0, 1.0, size=n_tx)

    # The driver is one of the gene's two most used isoforms, so its counts carry signal.
    ranked = np.lexsort((-tx_base_logit, tx_gene))  # by gene, then by decreasing weight
    top_two = np.minimum(rng.integers(0, 2, size=n_genes), n_iso - 1)
    driver_tx = ranked[starts + top_two]
    driver_rank = np.where(has_switch, tx_rank[driver_tx], -1)

    direction = rng.normal(0.0, 0.2, size=n_tx)  # small side components on other isoforms
    direction[driver_tx] = 1.0
    direction[~has_switch[tx_gene]] = 0.0

    return GenePlan(
        module_id=module_id, role=role, n_isoforms=n_iso,
        abundance_loading=abundance_loading, switch_loading=switch_loading,
        nonlinearity=nonlinearity, base_log_abundance=rng.normal(0.0, 1.0, size=n_genes),
        tx_gene=tx_gene, tx_rank=tx_rank, tx_base_logit=tx_base_logit,
        tx_switch_direction=direction, driver_rank=driver_rank, module_sizes=sizes,
    )


@dataclass
class SampleDraw:
    """Per-sample quantities: latents, covariates, traits and library sizes."""

    latents: np.ndarray  # (n_samples, n_modules)
    batch: np.ndarray  # (n_samples,) int level
    confounder: np.ndarray  # (n_samples,)
    trait: np.ndarray  # (n_samples,)
    group: np.ndarray  # (n_samples,) bool, True = "case"
    library_size: np.ndarray  # (n_samples,)


def draw_samples(rng: np.random.Generator, p: dict, trait_module: int,
                 group_module: int) -> SampleDraw:
    """Module latents, a balanced batch, a confounder, two traits and library sizes."""
    n, k = p["n_samples"], p["n_modules"]
    latents = rng.standard_normal((n, k))
    batch = rng.permutation(np.arange(n) % p["n_batches"])
    confounder = rng.standard_normal(n)
    rho = p["trait_correlation"]
    trait = rho * latents[:, trait_module] + np.sqrt(1.0 - rho**2) * rng.standard_normal(n)
    group = (latents[:, group_module] + 0.75 * rng.standard_normal(n)) > 0
    sd = p["library_size_sd"]
    log_lib = np.clip(rng.normal(0.0, sd, size=n), -2.0 * sd, 2.0 * sd)
    library_size = p["mean_gene_count"] * p["n_genes"] * np.exp(log_lib)
    return SampleDraw(latents, batch, confounder, trait, group, library_size)


def gene_signal(plan: GenePlan, latents: np.ndarray) -> np.ndarray:
    """Samples x genes module signal: the gene's (optionally curved) module latent, 0 off-module."""
    members = np.flatnonzero(plan.module_id >= 0)
    signal = np.zeros((latents.shape[0], plan.module_id.size))
    z = latents[:, plan.module_id[members]]
    k = plan.nonlinearity[members]
    signal[:, members] = (z + k * (z**2 - 1.0)) / np.sqrt(1.0 + 2.0 * k**2)
    return signal


def _group_softmax(logits: np.ndarray, tx_gene: np.ndarray) -> np.ndarray:
    """Softmax over each gene's contiguous block of transcript columns."""
    starts = np.flatnonzero(np.r_[True, tx_gene[1:] != tx_gene[:-1]])
    logits -= np.maximum.reduceat(logits, starts, axis=1)[:, tx_gene]
    np.exp(logits, out=logits)
    logits /= np.add.reduceat(logits, starts, axis=1)[:, tx_gene]
    return logits


def simulate_counts(rng: np.random.Generator, p: dict, plan: GenePlan,
                    samples: SampleDraw) -> np.ndarray:
    """Negative-binomial (gamma-Poisson) transcript counts, samples x transcripts (int64)."""
    n_genes = plan.module_id.size
    signal = gene_signal(plan, samples.latents)

    # Covariates shift the abundance of a random subset of genes each.
    frac = p["covariate_gene_fraction"]
    batch_shift = rng.normal(0.0, p["batch_effect"], size=(p["n_batches"], n_genes))
    batch_shift -= batch_shift.mean(axis=0)
    batch_shift *= rng.random(n_genes) < frac
    conf_coef = rng.normal(0.0, p["confounder_effect"], size=n_genes) * (rng.random(n_genes) < frac)

    base = plan.base_log_abundance - np.log(np.exp(plan.base_log_abundance).sum())
    log_gene = (np.log(samples.library_size)[:, None] + base
                + plan.abundance_loading * signal
                + batch_shift[samples.batch]
                + np.outer(samples.confounder, conf_coef))

    # Isoform log-weights: fixed base, plus the switch along the driver direction.
    tx_gene = plan.tx_gene
    logits = signal[:, tx_gene]
    logits *= plan.switch_loading[tx_gene] * plan.tx_switch_direction
    logits += plan.tx_base_logit

    # Covariates also move one isoform's usage in a few multi-isoform genes.
    multi = np.flatnonzero((plan.n_isoforms > 1)
                           & (rng.random(n_genes) < p["covariate_usage_fraction"]))
    if multi.size:
        starts = np.concatenate([[0], np.cumsum(plan.n_isoforms)[:-1]])
        moved = starts[multi] + rng.integers(0, plan.n_isoforms[multi])
        usage_batch = rng.normal(0.0, p["batch_effect"], size=(p["n_batches"], multi.size))
        usage_batch -= usage_batch.mean(axis=0)
        usage_conf = rng.normal(0.0, p["confounder_effect"], size=multi.size)
        logits[:, moved] += usage_batch[samples.batch] + np.outer(samples.confounder, usage_conf)

    mu = _group_softmax(logits, tx_gene)
    mu *= np.exp(log_gene)[:, tx_gene]
    phi = p["dispersion"]
    if phi > 0:
        mu = rng.gamma(1.0 / phi, mu * phi)
    return rng.poisson(mu).astype(np.int64, copy=False)
