"""RegNet on bundled BEELINE data: train, evaluate every held-out pair, interpret layer 1.

Run: python examples/regnet_train_interpret.py [OUTPUT_DIR]
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from regnet import RegNet  # noqa: E402
from regnet.data import genelink_split, load_example  # noqa: E402
from regnet.interpret import (  # noqa: E402
    compare_weights,
    empirical_bayes_weights,
    plot_shrinkage_vs_degree,
    shrinkage_weights,
)
from regnet.metrics import evaluate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else "regnet_output")
out.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(1)

# mouse dendritic cells, cell-type-specific ChIP-seq network (the smallest of the three)
data = load_example("mDC", network="Specific")
print(data)
split = genelink_split(data, random_state=0)
train = split.train[split.train.Label == 1]

model = RegNet(max_epochs=60, random_state=0).fit(data.expression, train, tfs=data.tfs,
                                                  validation=split.validation)
scores = model.predict_proba(split.test[["TF", "Target"]])
result = evaluate(split.test["Label"].to_numpy(), scores.to_numpy())
print({k: round(v, 3) for k, v in result.items() if k in ("auroc", "auprc", "auprc_ratio")})
print("calibration:", {k: round(v, 4) for k, v in model.calibration_.items()
                       if isinstance(v, float)})

# How much does layer 1 trust a gene's own expression over its neighbours'?
learned = shrinkage_weights(model, method="finite_difference")
bayes = empirical_bayes_weights(model.expression_, model.edges_)
print(learned[["weight", "degree", "is_tf"]].describe().loc[["count", "mean", "50%"]])
print("learned vs empirical Bayes:", compare_weights(learned["weight"], bayes["weight"]))

ax = plot_shrinkage_vs_degree(learned)
ax.figure.savefig(out / "shrinkage_vs_degree.png", dpi=100)
plt.close(ax.figure)
print(f"figure written to {out / 'shrinkage_vs_degree.png'}")
