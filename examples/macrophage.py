"""A real cohort, from salmon folders to modules: the macrophage data (24 samples).

Run: python examples/macrophage.py [PATH/TO/macrophage] [--output DIR] [--backend auto]

PATH holds ``quants/<sample>/quant.sf.gz`` (salmon), ``coldata.csv`` and
``tx2gene.gencode_v27.csv.gz``; without a path the bundled 409-gene subset
(:func:`isograph.data.load_example`) is used. 6 donors x 4 conditions (naive,
IFNg, SL1344 = Salmonella, IFNg + SL1344). Steps: read the quantifications
(transcript versions stripped to join the map), QC and expressed-gene filter
(on by default), both channels, donor regressed out, the default backend, and
the two treatments tested against the module eigengenes. Writes the fit's
artifacts and three figures into ``--output`` (default ``macrophage_output``):
``module_trait_heatmap.png``, ``module_sizes.png`` and
``module_drivers_<module>.png`` (top genes of the infection module).
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import isograph  # noqa: E402
from isograph.data import load_example, read_quantifications  # noqa: E402
from isograph.plotting import (  # noqa: E402
    plot_module_drivers,
    plot_module_sizes,
    plot_module_trait_heatmap,
)

MARKERS = {"ENSG00000232810": "TNF", "ENSG00000125538": "IL1B", "ENSG00000136244": "IL6",
           "ENSG00000169429": "CXCL8", "ENSG00000100906": "NFKBIA",
           "ENSG00000179583": "CIITA", "ENSG00000117228": "GBP1"}

parser = argparse.ArgumentParser(description="macrophage case study")
parser.add_argument("path", nargs="?", type=Path, help="the macrophage folder")
parser.add_argument("--output", type=Path, default=Path("macrophage_output"))
parser.add_argument("--backend", default="auto",
                    help="auto (the default: latent below 50 samples, vae above) or a name")
args = parser.parse_args()

# 1. import: one folder per sample, the map joins on unversioned transcript ids
if args.path is None:
    ex = load_example("macrophage")
    quants, tx2gene, coldata = ex.quants, ex.tx2gene, ex.coldata
else:
    quants = args.path / "quants"
    tx2gene = args.path / "tx2gene.gencode_v27.csv.gz"
    coldata = args.path / "coldata.csv"
data = read_quantifications(quants, transcript_to_gene=tx2gene, samples=coldata,
                            strip_version=True)
print(data)
print("unmapped read share:", round(data.metadata["import"]["unmapped_read_share"], 4))

# 2. traits: 0/1 indicators of the two treatments; the donor is a covariate
condition = data.samples["condition_name"].astype(str)
data.samples["SL1344"] = condition.str.contains("SL1344").astype(int)
data.samples["IFNg"] = condition.str.contains("IFNg").astype(int)

# 3. fit with default settings (QC and expressed-gene filter included)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = isograph.fit_dataset(data, args.backend, traits=["SL1344", "IFNg"],
                                  covariates=["line_id"], random_state=0)
for w in {f"{w.category.__name__}: {w.message}" for w in caught}:
    print("warning:", w)
qc = result.calibration["qc"]
print("expression filter:", {k: qc["expression_filter"][k] for k in
                             ("n_genes_in", "n_genes_kept", "n_transcripts_kept", "min_samples")})
print("flagged samples:", qc.get("flagged_samples"))

# 4. modules and their association with the treatments
modules = result.modules.drop_duplicates("gene_id").set_index("gene_id")["module_id"]
print(f"{result.model.n_modules_} modules; sizes:",
      modules[modules >= 0].value_counts().sort_index().tolist())
r = result.traits.pivot(index="module", columns="trait", values="effect").round(2)
print(r.to_string())
for gene, name in MARKERS.items():
    print(f"  {name:7s} {gene}: module {modules.get(gene, 'filtered out')}")

# 5. top genes per module (by module membership, kME)
scores = result.feature_scores
for module in range(result.model.n_modules_):
    top = scores[scores["module_id"] == module].reindex(
        scores.loc[scores["module_id"] == module, "module_membership"].abs()
        .sort_values(ascending=False).index).head(5)
    names = [f"{MARKERS.get(g, g)}:{c[0]}" for g, c in zip(top["gene_id"], top["channel"])]
    print(f"  M{module} top features: {', '.join(names)}")

# 6. artifacts and figures
args.output.mkdir(parents=True, exist_ok=True)
result.save(args.output / "fit", overwrite=True)
ax = plot_module_trait_heatmap(result.traits)
ax.figure.savefig(args.output / "module_trait_heatmap.png", dpi=120, bbox_inches="tight")
ax = plot_module_sizes(result.modules, roles=result.module_gene_roles)
ax.figure.savefig(args.output / "module_sizes.png", dpi=120, bbox_inches="tight")
infection = str(result.traits[result.traits["trait"] == "SL1344"]
                .set_index("module")["effect"].abs().idxmax())
if result.config["backend"] == "vae":
    from isograph.explain import decoder_attribution

    # decoded change of each feature per latent standard deviation
    table = decoder_attribution(result.model, result.features, infection).table
    score = None
else:
    # module membership (kME): correlation of each feature with the module eigengene
    module_id = int(infection.lstrip("M"))
    table = scores[scores["module_id"] == module_id]
    score = "module_membership"
table = table.assign(gene_id=table["gene_id"].map(MARKERS).fillna(table["gene_id"]))
ax = plot_module_drivers(table, score=score, n_top=12, drivers_only=False)
ax.set_title(f"infection module {infection}: top features per channel")
ax.figure.savefig(args.output / f"module_drivers_{infection}.png", dpi=120,
                  bbox_inches="tight")
plt.close("all")
print(f"wrote {args.output}/")
