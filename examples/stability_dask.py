"""Stability selection of network edges, fanned out over a Dask cluster.

joblib sends each subsample fit to the cluster through its dask backend; point
``Client`` at a real scheduler address to use more machines.

Run: python examples/stability_dask.py
"""

from dask.distributed import Client, LocalCluster
from joblib import parallel_config

from isograph.benchmark import make_isoform_dataset
from isograph.features import MultiplexFeatures
from isograph.models import LatentNetworkModel
from isograph.network import stability_selection

sim = make_isoform_dataset("toy", random_state=0)
X = MultiplexFeatures(transcript_to_gene=sim.data.transcript_to_gene).set_output(
    transform="pandas").fit_transform(sim.data.transcript_counts)

with LocalCluster(n_workers=1, threads_per_worker=2, processes=False) as cluster, \
        Client(cluster) as client:
    with parallel_config(backend="dask"):
        result = stability_selection(LatentNetworkModel(n_components=3, random_state=0), X,
                                     n_subsamples=8, n_jobs=-1, random_state=0)
    print("dask workers:", list(client.scheduler_info()["workers"]))

print(f"recommended frequency threshold: {result.recommended_threshold:.2f}")
print(result.edges.sort_values("frequency", ascending=False).head())
