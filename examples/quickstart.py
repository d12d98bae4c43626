"""Quickstart: planted modules in, modules out, artifacts on disk.

Run: python examples/quickstart.py [OUTPUT_DIR]
"""

import sys

import isograph
from isograph.benchmark import make_isoform_dataset, metrics

out = sys.argv[1] if len(sys.argv) > 1 else "quickstart_output"

# Transcript counts of 300 genes x 80 samples with planted modules and a batch effect.
sim = make_isoform_dataset("small", random_state=0)
print(sim.data)

# Both channels (isoform switch + abundance), batch and confounder regressed out.
result = isograph.fit_dataset(sim.data, backend="latent", covariates=["batch", "confounder"],
                              traits=["trait"], random_state=0)
print(result.modules[result.modules.module_id >= 0].groupby("module_id").size()
      .rename("genes").to_frame().T)
print(result.traits.nsmallest(3, "p_value")[["module", "trait", "effect", "q_value"]])

truth = sim.genes["module_id"]
pred = result.modules.set_index("gene_id")["module_id"].reindex(truth.index)
scores = metrics.score_modules(truth, pred, roles=sim.genes["role"])
print({k: round(v, 3) for k, v in scores.items() if k in ("recovery", "adjusted_rand")})

result.save(out, overwrite=True)
print(f"artifacts written to {out}/")
