import json

import numpy as np
import pandas as pd
import pytest

from isograph.benchmark import (
    PRESETS,
    SyntheticDataset,
    list_presets,
    make_isoform_dataset,
)
from isograph.data import IsoformData

ROLES = ["abundance_only", "switch_only", "coupled", "discordant"]


@pytest.fixture(scope="module")
def signal_ds():
    # enough samples for stable correlations, still well under a second
    return make_isoform_dataset("small", n_samples=150, random_state=7)


def _log_cpm(data):
    genes = data.gene_count_matrix
    return np.log((genes + 0.5).div(genes.sum(axis=1) + 1.0, axis=0) * 1e6)


def _corr(a, b):
    a = (a - a.mean(axis=0)) / a.std(axis=0)
    b = (b - b.mean(axis=0)) / b.std(axis=0)
    return (a * b).mean(axis=0)


def test_toy_shapes_and_tables():
    ds = make_isoform_dataset("toy", random_state=0)
    assert isinstance(ds, SyntheticDataset)
    assert isinstance(ds.data, IsoformData)
    counts = ds.data.transcript_counts
    assert counts.shape[0] == 60 and len(ds.genes) == 40
    assert ds.module_latents.shape == (60, 3)
    assert ds.module_latents.index.equals(counts.index)
    assert counts.columns.equals(pd.Index(ds.data.transcripts["transcript_id"]))
    assert (counts.to_numpy() >= 0).all() and counts.to_numpy().dtype.kind == "i"
    assert ds.genes.index[0] == "G00001" and counts.columns[0] == "G00001.T1"
    assert list(ds.data.gene_ids) == list(ds.genes.index)
    per_gene = ds.data.transcripts.groupby("gene_id").size().reindex(ds.genes.index)
    np.testing.assert_array_equal(per_gene.to_numpy(), ds.genes["n_isoforms"].to_numpy())
    assert set(ds.data.samples.columns) >= {"batch", "confounder", "trait", "group"}
    json.dumps(ds.data.metadata)  # provenance must be serialisable into a manifest


def test_deterministic_under_random_state():
    a = make_isoform_dataset("toy", random_state=3)
    b = make_isoform_dataset("toy", random_state=3)
    c = make_isoform_dataset("toy", random_state=4)
    pd.testing.assert_frame_equal(a.data.transcript_counts, b.data.transcript_counts)
    pd.testing.assert_frame_equal(a.genes, b.genes)
    pd.testing.assert_frame_equal(a.data.samples, b.data.samples)
    assert not a.data.transcript_counts.equals(c.data.transcript_counts)


def test_roles_modules_and_isoform_counts():
    ds = make_isoform_dataset("small", random_state=1)
    g = ds.genes
    assert set(g["role"]) == set(ROLES) | {"background"}
    assert ((g["role"] == "background") == (g["module_id"] == -1)).all()
    switching = g["role"].isin(["switch_only", "coupled", "discordant"])
    assert (g.loc[switching, "n_isoforms"] >= 2).all()
    assert g["n_isoforms"].between(1, 5).all() and (g["n_isoforms"] == 1).any()
    assert g.loc[switching, "driver_transcript"].notna().all()
    assert g.loc[~switching, "driver_transcript"].isna().all()
    drivers = g.loc[switching, "driver_transcript"]
    assert all(t.startswith(gid + ".T") for gid, t in drivers.items())
    assert (g.loc[g["role"] == "switch_only", "abundance_loading"] == 0).all()
    assert (g.loc[g["role"] == "abundance_only", "switch_loading"] == 0).all()
    coupled, discordant = g[g["role"] == "coupled"], g[g["role"] == "discordant"]
    assert (np.sign(coupled["abundance_loading"]) == np.sign(coupled["switch_loading"])).all()
    assert (np.sign(discordant["abundance_loading"])
            == -np.sign(discordant["switch_loading"])).all()
    sizes = g.loc[g["module_id"] >= 0, "module_id"].value_counts()
    assert len(sizes) == 6 and sizes.min() >= 8 and sizes.max() > 1.5 * sizes.min()
    assert ds.params["module_sizes"] == sorted(sizes.tolist(), reverse=True)


def test_switch_driver_usage_follows_the_latent_but_abundance_only_usage_does_not(signal_ds):
    ds = signal_ds
    counts, g, z = ds.data.transcript_counts, ds.genes, ds.module_latents
    totals = ds.data.gene_count_matrix

    def usage_corr(rows, tx_of):
        out = []
        for gid, row in rows.iterrows():
            drv = counts[tx_of(gid, row)]
            logit = np.log((drv + 0.5) / (totals[gid] - drv + 0.5))
            out.append(np.corrcoef(logit, z[row["module_id"]])[0, 1])
        return np.array(out)

    sw = g[g["role"].isin(["switch_only", "coupled", "discordant"])]
    r_sw = usage_corr(sw, lambda gid, row: row["driver_transcript"]) * np.sign(sw["switch_loading"])
    assert np.median(r_sw) > 0.5
    ab = g[(g["role"] == "abundance_only") & (g["n_isoforms"] > 1)]
    r_ab = usage_corr(ab, lambda gid, row: f"{gid}.T1")
    assert np.median(np.abs(r_ab)) < 0.15


def test_abundance_follows_the_latent_only_for_abundance_roles(signal_ds):
    ds = signal_ds
    g, z = ds.genes, ds.module_latents
    lcpm = _log_cpm(ds.data)

    def abundance_corr(rows):
        return _corr(lcpm[rows.index].to_numpy(), z[rows["module_id"].to_numpy()].to_numpy())

    ab = g[g["role"] == "abundance_only"]
    r_ab = abundance_corr(ab) * np.sign(ab["abundance_loading"].to_numpy())
    assert 0.5 < np.median(r_ab) < 0.95
    sw = g[g["role"] == "switch_only"]
    assert np.median(np.abs(abundance_corr(sw))) < 0.2


def test_library_size_varies():
    ds = make_isoform_dataset("small", random_state=2)
    totals = ds.data.transcript_counts.sum(axis=1)
    assert 1.8 < totals.max() / totals.min() < 5.0
    assert np.corrcoef(totals, ds.data.samples["library_size"])[0, 1] > 0.95


def test_batch_shifts_abundance():
    def n_batch_genes(effect):
        ds = make_isoform_dataset("small", n_samples=100, batch_effect=effect,
                                  confounder_effect=0.0, random_state=4)
        lcpm = _log_cpm(ds.data)
        b = ds.data.samples["batch"].to_numpy() == "batch1"
        diff = lcpm[b].mean() - lcpm[~b].mean()
        se = np.sqrt(lcpm[b].var() / b.sum() + lcpm[~b].var() / (~b).sum())
        return int((np.abs(diff / se) > 3).sum())

    assert n_batch_genes(0.6) > 60  # about half of the 300 genes are shifted
    assert n_batch_genes(0.0) < 15


def test_traits_follow_their_modules():
    ds = make_isoform_dataset("small", n_samples=200, random_state=5)
    s, z = ds.data.samples, ds.module_latents
    assert np.corrcoef(s["trait"], z[ds.params["trait_module"]])[0, 1] > 0.5
    case = (s["group"] == "case").to_numpy()
    gz = z[ds.params["group_module"]].to_numpy()
    assert gz[case].mean() - gz[~case].mean() > 1.0
    assert set(s["batch"].unique()) == {"batch1", "batch2"}


def test_nonlinear_latents_curve_the_response():
    def curvature(nonlinear):
        ds = make_isoform_dataset("small", n_samples=200, nonlinear=nonlinear,
                                  batch_effect=0.0, confounder_effect=0.0, random_state=6)
        g = ds.genes[ds.genes["role"] == "abundance_only"]
        zz = ds.module_latents[g["module_id"].to_numpy()].to_numpy()
        lcpm = _log_cpm(ds.data)[g.index].to_numpy() * np.sign(g["abundance_loading"].to_numpy())
        return np.median(_corr(lcpm, zz**2))

    assert curvature(True) > 0.25
    assert abs(curvature(False)) < 0.1


def test_presets_and_overrides():
    assert list_presets() == ["toy", "small", "medium", "large", "xlarge"]
    assert PRESETS["xlarge"]["n_genes"] == 12000 and PRESETS["xlarge"]["n_samples"] == 240
    ds = make_isoform_dataset("toy", n_samples=30, n_modules=2, random_state=0)
    assert ds.data.n_samples == 30 and ds.module_latents.shape[1] == 2
    assert ds.params["n_genes"] == 40 and ds.params["preset"] == "toy"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"preset": "huge"}, "preset must be one of"),
        ({"n_genes": 0}, "n_genes must be an integer"),
        ({"module_fraction": 1.5}, "module_fraction must be"),
        ({"role_fractions": {"coupled": 0.5}}, "sum to 1"),
        ({"role_fractions": {"other": 1.0}}, "role_fractions must be a dict"),
        ({"preset": "toy", "n_modules": 10}, "cannot hold"),
        ({"dispersion": -1.0}, "dispersion must be"),
        ({"random_state": "seed"}, "random_state must be"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_isoform_dataset(**kwargs)
