"""Parameter sweeps for small multiples: the same data projected across one parameter's values.

>>> from core.embed.sweeps import SWEEPS, run_sweep
>>> [title for title, _ in run_sweep(make_toy("rings"), "perplexity")]      # doctest: +SKIP
['perplexity 2', 'perplexity 5', ...]

Each sweep is a registry entry (:data:`SWEEPS`): the method, the parameter that varies, its values and
the parameters held fixed. Every map goes through :func:`core.embed.project`, so it is cached on disk:
computed once, then a slider that moves between the values is instant, even after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.embed.projectors import Progress
from core.errors import InputError


@dataclass(frozen=True)
class Sweep:
    name: str
    title: str
    method: str
    param: str  # the parameter that varies ("seed" varies the random state)
    values: tuple
    fixed: dict = field(default_factory=dict)
    lesson: str = ""
    default: float | int | None = None  # the value a page looks at first (None: the first)

    def label(self, value) -> str:
        return f"{self.param.replace('_', ' ')} {value:g}" if isinstance(value, float) else f"{self.param} {value}"


SWEEPS: dict[str, Sweep] = {s.name: s for s in [
    Sweep("perplexity", "t-SNE across perplexity", "tsne", "perplexity", (2, 5, 10, 30, 50, 100), default=30,
          lesson="Perplexity is roughly how many neighbours each point listens to. Too low and the map breaks "
                 "into specks; too high and fine structure blurs. No single value is right for every data set."),
    Sweep("n_neighbors", "UMAP across n_neighbors", "umap", "n_neighbors", (3, 5, 10, 15, 50, 100),
          fixed={"min_dist": 0.1}, default=15,
          lesson="n_neighbors sets how local UMAP's view is: small values keep fine local detail and lose the "
                 "big picture, large values keep the global layout."),
    Sweep("min_dist", "UMAP across min_dist", "umap", "min_dist", (0.0, 0.1, 0.25, 0.5, 0.8, 0.99),
          fixed={"n_neighbors": 15}, default=0.1,
          lesson="min_dist is how tightly UMAP may pack points: it changes the look of clusters, not which "
                 "points are neighbours."),
    Sweep("tsne-seed", "t-SNE across seeds", "tsne", "seed", (0, 1, 2, 3), fixed={"perplexity": 30},
          lesson="Same data, same perplexity, another random start: the picture turns and shifts; what stays "
                 "is which points sit together."),
    Sweep("umap-seed", "UMAP across seeds", "umap", "seed", (0, 1, 2, 3), fixed={"n_neighbors": 15, "min_dist": 0.1},
          lesson="UMAP's layout also depends on its random start; clusters keep their members, not their places."),
]}


# The Explore page's default parameters per method: the lab's real-data comparison uses the same ones,
# so both pages share one disk-cache entry per map.
DEFAULT_PARAMS: dict[str, dict] = {
    "pca": {"axes": (1, 2)},
    "tsne": {"learning_rate": "auto", "n_iter": 500, "perplexity": 30.0},
    "umap": {"metric": "euclidean", "min_dist": 0.1, "n_neighbors": 15},
}
LESSON_TOY, LESSON_TOY_POINTS, LESSON_DATASET = "cluster-sizes", 500, "digits"  # what the lab opens on


def warm_lesson(log=print) -> float:
    """Compute what the lab opens on into the disk cache (``embedlab warmup``, run by ``make``): the first
    toy's perplexity sweep and PCA / t-SNE / UMAP of the digits with their quality scores."""
    import time

    from core import datasets
    from core.datasets.toys import make_toy
    from core.embed import project, projection_quality

    start = time.perf_counter()
    run_sweep(make_toy(LESSON_TOY, n=LESSON_TOY_POINTS, seed=0), "perplexity")
    data = datasets.load(LESSON_DATASET)
    for method, params in DEFAULT_PARAMS.items():
        projection_quality(data, project(data, method, dims=2, params=params))
    log(f"t-SNE & UMAP lab precomputed in {time.perf_counter() - start:.1f}s")
    return time.perf_counter() - start


def check_sweep(name: str) -> Sweep:
    if name not in SWEEPS:
        raise InputError(f"sweep {name!r} is not known; choose one of {', '.join(SWEEPS)}")
    return SWEEPS[name]


def usable_values(sweep: Sweep, n: int) -> tuple:
    """The sweep's values that make sense for ``n`` points (perplexity < n/3, n_neighbors < n); none when a
    parameter held fixed does not (the seed sweeps' perplexity 30 needs 91 points)."""
    if sweep.fixed.get("perplexity", 0) > (n - 1) / 3 or sweep.fixed.get("n_neighbors", 0) >= n:
        return ()
    if sweep.param == "perplexity":
        return tuple(v for v in sweep.values if v <= (n - 1) / 3)
    if sweep.param == "n_neighbors":
        return tuple(v for v in sweep.values if v < n)
    return sweep.values


def run_sweep(data, name: str, progress: Progress = None, values: tuple | None = None) -> list[tuple[str, np.ndarray]]:
    """Project ``data`` once per value of the sweep ``name``; returns [(label, coords (n, 2)), ...]."""
    from core.embed import project

    sweep = check_sweep(name)
    n = len(getattr(data, "vectors", data))
    todo = usable_values(sweep, n) if values is None else tuple(values)
    if not todo:
        raise InputError(f"{n} points are too few for the {sweep.title} sweep; take more points or "
                         "another sweep")
    out = []
    for k, value in enumerate(todo):
        params = dict(sweep.fixed)
        seed = 0
        if sweep.param == "seed":
            seed = int(value)
        else:
            params[sweep.param] = value

        def part(fraction: float, k=k) -> None:
            if progress:
                progress((k + fraction) / len(todo))

        p = project(data, sweep.method, dims=2, seed=seed, params=params, progress=part)
        out.append((sweep.label(value), p.coords))
    if progress:
        progress(1.0)
    return out
