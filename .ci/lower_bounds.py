"""Print a pip constraints file pinning every dependency to its pyproject lower bound.

Usage: python .ci/lower_bounds.py [EXTRA ...] > lowest.txt

The "lowest" job of `make test-matrix` installs with these constraints, so the
bounds in pyproject.toml are what CI tests, not wishes. torch is pinned to the
CPU wheel the Makefile installs (2.13.0, on this machine's disk): an older
torch from PyPI is a multi-GB CUDA build, so torch's own lower bound is not
exercised here.
"""

import re
import sys
from pathlib import Path

import tomllib

TORCH = "torch==2.13.0+cpu"


def lower_bounds(extras):
    """`name==lower` pins of the core dependencies and of the given extras."""
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    optional = project.get("optional-dependencies", {})
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += [r for r in optional[extra] if not r.startswith(project["name"])]
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)\s*", req)
        if match is None:
            raise SystemExit(f"{req!r}: every dependency needs a plain '>=' lower bound")
        name = match.group(1).lower().replace("_", "-")
        pins[name] = f"{name}=={match.group(3)}"
    if "torch" in pins:
        pins["torch"] = TORCH
    return sorted(pins.values())


if __name__ == "__main__":
    print("\n".join(lower_bounds(sys.argv[1:])))
