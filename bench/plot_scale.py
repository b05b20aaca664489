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
    fig, ax = plt.subplots(figsize=(9, 6))
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(results[0]["cases"]):
        ax.plot(sizes, [r["cases"][name]["p50_ms"] for r in results], marker="o", color=colours(i),
                label=f"{name} (embedded)")
        remote = [(r["quads"], r["virtuoso"]["cases"][name]["p50_ms"]) for r in results if "virtuoso" in r]
        if remote:
            ax.plot(*zip(*remote, strict=True), marker="s", linestyle=":", color=colours(i), label=f"{name} (Virtuoso)")
    ax.plot(sizes, [10.0] * len(sizes), linestyle="--", color="grey", label="goal: 10 ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("quads in the store (curated + synthetic + inferred)")
    ax.set_ylabel("p50 latency, ms (embedded: in-process; Virtuoso: through HTTP)")
    ax.set_title("mmkg template latency vs graph size: embedded pyoxigraph (solid) vs Virtuoso (dotted)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6, loc="upper left", ncol=2)
    fig.tight_layout()
    fig.savefig(BENCH / "scale.png", dpi=110)
    print("wrote bench/scale.png")


if __name__ == "__main__":
    main()
