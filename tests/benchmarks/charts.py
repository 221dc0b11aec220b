"""The load benchmark's chart: p95 latency and CPU per request of each scenario against the event log's size."""

from __future__ import annotations

from pathlib import Path


def latency_chart(results: list[dict], target: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[bench]'): no chart drawn")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = list(dict.fromkeys(row["database"] for row in results))
    figure, axes = plt.subplots(2, len(databases), figsize=(6.5 * len(databases), 8), squeeze=False)
    for column, database in enumerate(databases):
        rows = [row for row in results if row["database"] == database]
        for scenario in dict.fromkeys(row["scenario"] for row in rows):
            points = sorted((row["events"], row["p95_ms"], row["cpu_ms"]) for row in rows
                            if row["scenario"] == scenario)
            sizes = [p[0] for p in points]
            axes[0][column].plot(sizes, [p[1] for p in points], marker="o", label=scenario)
            axes[1][column].plot(sizes, [p[2] for p in points], marker="o", label=scenario)
        axes[0][column].set_title(f"{database}: p95 latency")
        axes[1][column].set_title(f"{database}: server CPU per request")
        for row_index, label in enumerate(("p95 latency (ms)", "CPU ms per request")):
            axis = axes[row_index][column]
            axis.set_xscale("log")
            axis.set_xlabel("progress events")
            axis.set_ylabel(label)
            axis.grid(True, alpha=0.3)
    axes[0][-1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    figure.tight_layout()
    figure.savefig(target, dpi=100)
    plt.close(figure)
