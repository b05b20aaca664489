"""Log-log plot of template latency (p50) against graph size from bench/scale.json → bench/scale.png.

Run with the benchmark venv, which has matplotlib: .venv-bench/bin/python bench/plot_scale.py
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write the file only
import matplotlib.pyplot as plt

BENCH = Path(__file__).resolve().parent


def main() -> None:
    results = json.loads((BENCH / "scale.json").read_text())
    sizes = [r["quads"] for r in results]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for name in results[0]["cases"]:
        ax.plot(sizes, [r["cases"][name]["p50_ms"] for r in results], marker="o", label=name)
    ax.plot(sizes, [10.0] * len(sizes), linestyle="--", color="grey", label="goal: 10 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("quads in the store (curated + synthetic + inferred)")
    ax.set_ylabel("p50 latency, ms (in-process, embedded pyoxigraph)")
    ax.set_title("mmkg template latency vs graph size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(BENCH / "scale.png", dpi=110)
    print("wrote bench/scale.png")


if __name__ == "__main__":
    main()
