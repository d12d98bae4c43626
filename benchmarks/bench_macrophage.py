"""The real-cohort targets of issue 12 on the macrophage data (24 salmon runs).

    python benchmarks/bench_macrophage.py PATH/TO/macrophage [--backends auto vae latent baseline]
        [--repeats 1] [--wgcna] [--threads 2]

``PATH`` holds ``quants/<sample>/quant.sf.gz``, ``coldata.csv`` and
``tx2gene.gencode_v27.csv.gz`` (see its PROVENANCE.md). For every backend,
in a fresh child process (so peak memory is that run's own): import of the
24 salmon folders, then ``fit_dataset`` with default settings on the whole
filtered transcriptome, traits SL1344 and IFNg (0/1 from ``condition_name``)
and the donor (``line_id``) regressed out. Printed: import and fit wall time
(median over ``--repeats``) and peak resident memory, module count and sizes,
the infection module (strongest |r| with SL1344) and IFNg module with |r| and
whether TNF, IL1B, IL6 / CIITA are in them. ``--wgcna`` adds R WGCNA (through
``WgcnaNetworkModel``) on the same filtered genes' abundance, with its wall time.

Targets: import + fit under 10 minutes and 8 GB on a 2-core machine; an
infection module (|r| >= 0.9) holding TNF, IL1B and IL6; an IFNg module
(|r| >= 0.8) holding CIITA.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

MARKERS = {"TNF": "ENSG00000232810", "IL1B": "ENSG00000125538", "IL6": "ENSG00000136244",
           "CIITA": "ENSG00000179583"}
TARGETS = {"SL1344": (["TNF", "IL1B", "IL6"], 0.9), "IFNg": (["CIITA"], 0.8)}


def load(path: Path):
    """The 24 salmon folders as an IsoformData with 0/1 traits SL1344 and IFNg."""
    from isograph.data import read_quantifications

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 % unmapped reads: reported in metadata
        data = read_quantifications(path / "quants", samples=path / "coldata.csv",
                                    transcript_to_gene=path / "tx2gene.gencode_v27.csv.gz",
                                    strip_version=True, progress=False)
    condition = data.samples["condition_name"].astype(str)
    data.samples["SL1344"] = condition.str.contains("SL1344").astype(int)
    data.samples["IFNg"] = condition.str.contains("IFNg").astype(int)
    return data


def module_report(result) -> dict:
    """Module sizes and r with each trait; per target, the markers' module and its |r|."""
    modules = result.modules.drop_duplicates("gene_id").set_index("gene_id")["module_id"]
    sizes = modules[modules >= 0].value_counts().sort_index()
    traits = result.traits
    r = {t: traits[traits["trait"] == t].set_index("module")["effect"] for t in TARGETS}
    out = {"n_modules": int(sizes.size), "sizes": [int(v) for v in sizes.to_numpy()],
           "n_assigned_genes": int((modules >= 0).sum()), "n_genes": int(modules.size),
           "n_edges": int(len(result.edges)),
           "modules": [{"module": f"M{k}", "size": int(n),
                        **{t: round(float(r[t].get(f"M{k}", np.nan)), 3) for t in TARGETS}}
                       for k, n in sizes.items()]}
    for trait, (markers, target) in TARGETS.items():
        where = {name: int(modules.get(MARKERS[name], -1)) for name in markers}
        ks = set(where.values())
        k = ks.pop() if len(ks) == 1 else None
        rk = float(r[trait].get(f"M{k}", np.nan)) if k is not None and k >= 0 else np.nan
        best = r[trait].abs().idxmax() if len(r[trait]) else None
        out[trait] = {"marker_modules": where, "module": None if k is None else f"M{k}",
                      "r": rk, "best_module": best,
                      "best_r": float(r[trait][best]) if best is not None else np.nan,
                      "target_met": bool(k is not None and k >= 0 and abs(rk) >= target)}
    return out


def run_one(path: Path, backend: str, threads: int) -> dict:
    """One import + fit in this process; returns times, memory and the module report."""
    import torch

    torch.set_num_threads(threads)
    from isograph import fit_dataset

    started = time.perf_counter()
    data = load(path)
    import_s = time.perf_counter() - started
    channels = "abundance" if backend == "wgcna" else "both"
    params = {"n_threads": threads} if backend == "wgcna" else {"random_state": 0}
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_dataset(data, backend, traits=["SL1344", "IFNg"], covariates=["line_id"],
                             channels=channels, **params)
    fit_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = module_report(result)
    report.update(import_s=import_s, fit_s=fit_s, peak_mb=peak_mb,
                  backend=result.config["backend"],
                  n_features=int(result.features.shape[1]),
                  warnings=sorted({f"{w.category.__name__}: {str(w.message)[:160]}"
                                   for w in caught}))
    return report


def child(path: Path, backend: str, threads: int) -> dict:
    """``run_one`` in a fresh interpreter (own peak memory; a crash is reported, not fatal)."""
    cmd = [sys.executable, __file__, str(path), "--child", backend, "--threads", str(threads)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(lines[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--backends", nargs="+", default=["auto"],
                        help="auto (the default: latent below 50 samples) or backend names")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--wgcna", action="store_true", help="also run R WGCNA")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(args.path, args.child, args.threads)))
        return 0
    backends = list(args.backends) + (["wgcna"] if args.wgcna else [])
    for backend in backends:
        runs = [child(args.path, backend, args.threads) for _ in range(args.repeats)]
        ok = [r for r in runs if "error" not in r]
        if not ok:
            print(f"{backend}: FAILED: {runs[0]['error']}")
            continue
        last = ok[-1]
        imp = statistics.median(r["import_s"] for r in ok)
        fit = statistics.median(r["fit_s"] for r in ok)
        peak = max(r["peak_mb"] for r in ok)
        chosen = f" -> {last['backend']}" if last.get("backend", backend) != backend else ""
        print(f"{backend}{chosen}: import {imp:.1f} s + fit {fit:.1f} s = {imp + fit:.1f} s "
              f"(median of {len(ok)}), peak {peak / 1024:.2f} GB; {last['n_features']} "
              f"features, {last['n_modules']} modules, {last['n_assigned_genes']} of "
              f"{last['n_genes']} genes assigned, {last['n_edges']} edges")
        print(f"  module sizes: {last['sizes']}")
        print("  " + "; ".join(f"{m['module']} {m['size']} genes r(SL1344) {m['SL1344']:+.2f} "
                               f"r(IFNg) {m['IFNg']:+.2f}" for m in last["modules"]))
        for trait, (markers, target) in TARGETS.items():
            t = last[trait]
            held = (f"all in {t['module']} (r = {t['r']:+.2f})" if t["module"]
                    else f"split over modules {t['marker_modules']}")
            print(f"  {trait} (|r| >= {target}, {'/'.join(markers)}): markers {held}; "
                  f"strongest module {t['best_module']} (r = {t['best_r']:+.2f}); "
                  f"target {'MET' if t['target_met'] else 'NOT met'}")
        for w in last["warnings"]:
            print(f"  warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
