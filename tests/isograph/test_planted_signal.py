"""End to end on generated data: features carry the planted module signal to new samples."""

import numpy as np
import pytest

from isograph.benchmark import make_isoform_dataset
from isograph.features import GeneAbundance, SwitchCoordinates


@pytest.fixture(scope="module")
def split():
    sim = make_isoform_dataset("small", n_samples=160, random_state=11)
    ids = sim.data.sample_ids
    rng = np.random.default_rng(0)
    test = rng.permutation(len(ids))[: len(ids) // 2]
    held_out = ids[np.sort(test)]
    train = ids.difference(held_out)
    return sim, train, held_out


def _abs_corr_with_latent(sim, features, samples, genes):
    latents = sim.module_latents.loc[samples]
    out = []
    for gene in genes:
        if gene not in features.columns:
            continue
        z = latents[sim.genes.loc[gene, "module_id"]].to_numpy()
        out.append(abs(np.corrcoef(features.loc[samples, gene], z)[0, 1]))
    return np.asarray(out)


def _held_out_features(split, transformer):
    """``transformer`` fitted on the training samples' counts, applied to the held-out ones."""
    sim, train, held_out = split
    counts = sim.data.transcript_counts
    model = transformer(transcript_to_gene=sim.data.transcript_to_gene)
    model.set_output(transform="pandas").fit(counts.loc[train])
    return model.transform(counts.loc[held_out])


def test_switch_coordinate_tracks_module_signal_on_held_out_samples(split):
    sim, _, held_out = split
    coords = _held_out_features(split, SwitchCoordinates)
    roles = sim.genes["role"]
    switch_driven = roles.index[roles.isin(["switch_only", "coupled", "discordant"])
                                & (sim.genes["n_isoforms"] >= 2)]
    abundance_only = roles.index[(roles == "abundance_only") & (sim.genes["n_isoforms"] >= 2)]
    r_switch = _abs_corr_with_latent(sim, coords, held_out, switch_driven)
    r_null = _abs_corr_with_latent(sim, coords, held_out, abundance_only)
    assert len(r_switch) > 20 and len(r_null) > 10
    assert np.median(r_switch) > 0.5
    # abundance-only genes keep fixed isoform proportions: no signal in their switch axis
    assert np.median(r_null) < 0.2


def test_abundance_channel_tracks_abundance_driven_genes(split):
    sim, _, held_out = split
    abundance = _held_out_features(split, GeneAbundance)
    roles = sim.genes["role"]
    driven = roles.index[roles.isin(["abundance_only", "coupled", "discordant"])]
    switch_only = roles.index[roles == "switch_only"]
    assert np.median(_abs_corr_with_latent(sim, abundance, held_out, driven)) > 0.5
    assert np.median(_abs_corr_with_latent(sim, abundance, held_out, switch_only)) < 0.2
