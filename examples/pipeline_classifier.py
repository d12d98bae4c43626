"""A scikit-learn Pipeline: features -> covariate residualization -> modules -> classifier.

The covariates travel as columns of the input next to the transcript counts;
a ColumnTransformer carries them past the feature step and the residualizer
drops them after use. Module eigengenes then feed a logistic regression that
predicts the sample group, cross-validated so modules are learned on training
folds only.

Run: python examples/pipeline_classifier.py
"""

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from isograph.benchmark import make_isoform_dataset
from isograph.features import CovariateResidualizer, MultiplexFeatures
from isograph.models import LatentNetworkModel

sim = make_isoform_dataset("small", random_state=1)
data = sim.data
covariates = ["batch", "confounder"]
table = data.transcript_counts.join(data.samples[covariates])
y = data.samples["group"]

features = ColumnTransformer(
    [("isoforms", MultiplexFeatures(transcript_to_gene=data.transcript_to_gene),
      list(data.transcript_ids)),
     ("covariates", "passthrough", covariates)],
    verbose_feature_names_out=False,
)
pipe = make_pipeline(
    features,
    CovariateResidualizer(covariates),
    LatentNetworkModel(random_state=0),
    StandardScaler(),
    LogisticRegression(max_iter=1000),
).set_output(transform="pandas")

scores = cross_val_score(pipe, table, y, cv=3, scoring="roc_auc")
print(f"group AUROC from module eigengenes: {scores.mean():.3f} +/- {scores.std():.3f}")
pipe.fit(table, y)
print("modules used by the classifier:", list(pipe[:-2].get_feature_names_out()))
