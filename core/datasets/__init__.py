"""Named datasets (one registry) and the parsers for data people bring.

>>> from core import datasets
>>> ds = datasets.load("iris")
>>> ds.vectors.shape
(150, 4)

Names: a registry name (``glove``), a registry name with its option (``glove-5k``), or the id of a
dataset saved in the workspace (see :mod:`core.datasets.workspace`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.datasets import builtin
from core.datasets.base import Dataset, make_meta
from core.errors import InputError


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in dataset: how to load it and what it is, known without loading it."""

    name: str
    loader: Callable[..., Dataset]
    n: int
    dim: int
    description: str
    credit: str
    sizes: dict[str, int] = field(default_factory=dict)  # option value -> n, for datasets with a size
    default_size: str | None = None


REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    REGISTRY[spec.name] = spec
    return spec


register(DatasetSpec(
    "glove", builtin.load_glove, builtin.GLOVE_SIZES["20k"], 50,
    "GloVe 6B 50-d word vectors of the {n:,} most frequent English words",
    "Stanford NLP, PDDL", sizes=builtin.GLOVE_SIZES, default_size="20k",
))
register(DatasetSpec("digits", builtin.load_digits, 1797, 64, "1,797 handwritten digits, 8x8 pixels",
                     "UCI ML, CC BY 4.0"))
register(DatasetSpec("mnist-5k", builtin.load_mnist_5k, 5000, 784, "5,000 MNIST digits, 28x28 pixels",
                     "LeCun et al., CC BY-SA 3.0"))
register(DatasetSpec("faces", builtin.load_faces, 400, 4096, "400 ORL/Olivetti faces of 40 people, 64x64",
                     "AT&T Laboratories Cambridge"))
register(DatasetSpec("iris", builtin.load_iris, 150, 4, "150 iris flowers, 4 measurements, 3 species",
                     "Fisher 1936, UCI ML, CC BY 4.0"))
register(DatasetSpec("wine", builtin.load_wine, 178, 13, "178 wines, 13 chemical measurements, 3 cultivars",
                     "Forina et al., UCI ML, CC BY 4.0"))
register(DatasetSpec("foldoc-minilm", builtin.load_foldoc_minilm, 12017, 384,
                     "FOLDOC's 12,017 computing-dictionary entries as MiniLM sentence vectors (the search lab's)",
                     "FOLDOC (GFDL); all-MiniLM-L6-v2 (Apache 2.0)"))
register(DatasetSpec("ml100k-items", builtin.load_ml100k_items, 1682, 64,
                     "MovieLens 100k's 1,682 movies as item factors of implicit ALS (the recommendation lab's)",
                     "GroupLens MovieLens 100k (research and teaching use; read from the recbole package)"))


def builtin_names() -> list[str]:
    """Every name :func:`load` accepts for built-in data, sizes spelled out (``glove-5k``...)."""
    names = []
    for spec in REGISTRY.values():
        names.append(spec.name)
        names.extend(f"{spec.name}-{size}" for size in spec.sizes)
    return names


def _resolve(name: str) -> tuple[DatasetSpec, str | None] | None:
    if name in REGISTRY:
        spec = REGISTRY[name]
        return spec, spec.default_size
    base, _, size = name.rpartition("-")
    if base in REGISTRY and size in REGISTRY[base].sizes:
        return REGISTRY[base], size
    return None


def describe(name: str) -> dict:
    """Name, n, dim, description and credit of a built-in or workspace dataset, without loading it."""
    hit = _resolve(name)
    if hit is not None:
        spec, size = hit
        n = spec.sizes[size] if size else spec.n
        full = f"{spec.name}-{size}" if size else spec.name
        return {"name": full, "n": n, "dim": spec.dim, "description": spec.description.format(n=n),
                "credit": spec.credit, "source": "built-in"}
    from core.datasets import workspace

    return workspace.describe(name)


def catalog(include_workspace: bool = True) -> list[dict]:
    """Every dataset that can be loaded by name: built-ins (each size) and saved uploads."""
    rows = []
    for spec in REGISTRY.values():
        if spec.sizes:
            rows.extend(describe(f"{spec.name}-{size}") for size in spec.sizes)
        else:
            rows.append(describe(spec.name))
    if include_workspace:
        from core.datasets import workspace

        for ws_id in workspace.list_ids():
            try:
                rows.append(workspace.describe(ws_id))
            except InputError:  # one damaged upload must not hide the others
                continue
    return rows


def load(name: str) -> Dataset:
    """Load a dataset by registry name (``glove-5k``) or workspace id."""
    hit = _resolve(name)
    if hit is not None:
        spec, size = hit
        return spec.loader(size) if size else spec.loader()
    from core.datasets import workspace

    if workspace.exists(name):
        return workspace.load(name)
    raise InputError(
        f"dataset {name!r} does not exist; choose a built-in one ({', '.join(builtin_names())}) "
        "or the id of an uploaded dataset listed by `embedlab datasets`"
    )


__all__ = ["Dataset", "DatasetSpec", "REGISTRY", "builtin_names", "catalog", "describe", "load", "make_meta",
           "register"]
