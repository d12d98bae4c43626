"""Default fits on the bundled real subset (24 macrophage samples, 409 genes; see its PROVENANCE).

The subset keeps the marker genes but only a random slice of the rest, so it
supports weaker claims than the full cohort (benchmarks/bench_macrophage.py):
the markers of the Salmonella response sit in modules that follow infection at
|r| >= 0.9 (TNF and IL6 in one), and one module follows IFNg at |r| >= 0.8.
"""

import warnings

import pytest

from isograph import fit_dataset
from isograph.data import load_example, read_quantifications

TNF, IL1B, IL6 = "ENSG00000232810", "ENSG00000125538", "ENSG00000136244"
MARKERS = [TNF, IL1B, IL6, "ENSG00000169429", "ENSG00000100906", "ENSG00000179583"]


@pytest.fixture(scope="module")
def data():
    ex = load_example("macrophage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the subset's unmapped transcripts are on purpose
        data = read_quantifications(ex.quants, transcript_to_gene=ex.tx2gene,
                                    samples=ex.coldata, strip_version=True, progress=False)
    condition = data.samples["condition_name"].astype(str)
    data.samples["SL1344"] = condition.str.contains("SL1344").astype(int)
    data.samples["IFNg"] = condition.str.contains("IFNg").astype(int)
    return data


def _r(result, trait):
    t = result.traits
    return t[t["trait"] == trait].set_index("module")["effect"]


@pytest.mark.parametrize("backend, params", [("vae", {"n_threads": 1}), ("latent", {})])
def test_default_fit_puts_the_infection_markers_in_infection_modules(data, backend, params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 21 training samples: the VAE caps its latent size
        result = fit_dataset(data, backend, traits=["SL1344", "IFNg"], covariates=["line_id"],
                             random_state=0, **params)
    qc = result.calibration["qc"]
    assert qc["flagged_samples"] == []  # the 24 real libraries are alike
    assert qc["expression_filter"]["group_traits"] == ["SL1344", "IFNg"]
    module = result.modules.set_index("gene_id")["module_id"]
    assert set(MARKERS) <= set(module.index)  # the filter keeps the markers
    r = _r(result, "SL1344")
    for gene in (TNF, IL1B, IL6):
        assert module[gene] >= 0 and abs(r[f"M{module[gene]}"]) >= 0.9
    assert module[TNF] == module[IL6]
    assert _r(result, "IFNg").abs().max() >= 0.8
