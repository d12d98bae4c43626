"""What `make demo` runs: the main jobs of both packages on bundled or generated data.

1. isograph: simulate a dataset with planted modules, fit the default (auto: VAE)
   backend through the CLI, score the modules against the truth;
2. isograph: the quick benchmark suite (three backends, permuted control);
3. regnet: train on the bundled BEELINE mDC data and evaluate on held-out pairs.

Run: python examples/demo.py [OUTPUT_DIR]   (default: demo_output)
"""

import sys
from pathlib import Path

import pandas as pd

from isograph.benchmark import metrics
from isograph.cli import main as isograph_cli

out = Path(sys.argv[1] if len(sys.argv) > 1 else "demo_output").resolve()


def step(title):
    print(f"\n=== {title}", flush=True)


def run(cli, args):
    code = cli(args)
    if code != 0:
        sys.exit(f"demo step failed: {' '.join(args)}")


step("isograph: simulate a dataset (300 genes x 80 samples, planted modules)")
dataset, fit = out / "dataset", out / "fit"
run(isograph_cli, ["simulate", "--preset", "small", "--output-dir", str(dataset), "--overwrite"])

step("isograph fit (default backend auto: the VAE at 80 samples), batch and confounder regressed out")
run(isograph_cli, ["fit", "--dataset-path", str(dataset), "--output-dir", str(fit),
                   "--overwrite", "--", "covariates=[batch,confounder]", "traits=[trait]"])
truth = pd.read_parquet(dataset / "truth" / "genes.parquet")
modules = pd.read_parquet(fit / "modules.parquet").set_index("gene_id")["module_id"]
scores = metrics.score_modules(truth["module_id"], modules.reindex(truth.index))
print({k: round(float(v), 3) for k, v in scores.items()
       if k in ("recovery", "adjusted_rand", "n_true_modules", "n_predicted_modules")})
traits = pd.read_parquet(fit / "traits.parquet")
top = traits.nsmallest(3, "p_value")[["module", "trait", "effect", "q_value"]]
print(top.to_string(index=False))

step("isograph benchmark (quick suite)")
bench = out / "benchmark"
run(isograph_cli, ["benchmark", "--config-name", "quick", "--output-dir", str(bench),
                   "--overwrite"])

step("regnet: train on bundled BEELINE mDC (STRING network), evaluate held-out pairs")
from regnet.cli import main as regnet_cli  # noqa: E402

pretrain = out / "regnet_mDC_STRING"
run(regnet_cli, ["train", "--example", "mDC/STRING", "--output-dir", str(pretrain), "--overwrite",
                 "--quiet", "--threads", "1"])

step("results")
for path in (dataset, fit, bench, pretrain):
    print(f"  {path}")
