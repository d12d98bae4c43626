"""Generation time of every synthetic preset (median of 3 runs).

Usage: .venv/bin/python benchmarks/bench_synthetic.py [--repeats 3] [preset ...]
Target: ``make_isoform_dataset("xlarge")`` (12,000 genes x 240 samples) in under 30 s.
"""

import argparse
import statistics
import time

from isograph.benchmark import PRESETS, list_presets, make_isoform_dataset

TARGET_S = {"xlarge": 30.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("presets", nargs="*", default=list_presets())
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print(f"{'preset':<8} {'genes':>6} {'samples':>7} {'transcripts':>11} "
          f"{'counts MB':>9} {'median s':>9} {'runs s':>22}")
    for name in args.presets:
        times = []
        for seed in range(args.repeats):
            start = time.perf_counter()
            ds = make_isoform_dataset(name, random_state=seed)
            times.append(time.perf_counter() - start)
        counts = ds.data.transcript_counts
        median = statistics.median(times)
        flag = ""
        if name in TARGET_S:
            flag = "  OK" if median < TARGET_S[name] else f"  OVER {TARGET_S[name]:.0f} s TARGET"
        print(f"{name:<8} {PRESETS[name]['n_genes']:>6} {counts.shape[0]:>7} "
              f"{counts.shape[1]:>11} {counts.memory_usage(deep=True).sum() / 2**20:>9.1f} "
              f"{median:>9.3f} {', '.join(f'{t:.3f}' for t in times):>22}{flag}")


if __name__ == "__main__":
    main()
