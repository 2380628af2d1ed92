"""THE caching boundary: every ``st.cache_data`` / ``st.cache_resource`` of the dashboard lives here.

Pages call these functions; they call :mod:`core`. Arrays and frames go through ``cache_data``
(copies), models and indexes through ``cache_resource`` (shared, never mutated). All are bounded.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import datasets, embed, explore
from core.embed import sweeps
from core.embed.warmup import warmup_in_background


@st.cache_resource(max_entries=1, show_spinner=False)
def start_warmup():
    """Compile UMAP's numba code once per server, in the background, off every user's path."""
    return warmup_in_background()


@st.cache_data(max_entries=1, show_spinner=False)
def catalog() -> list[dict]:
    return datasets.catalog()


@st.cache_resource(max_entries=8, show_spinner="Loading dataset…")
def dataset(name: str):
    """A loaded dataset, shared between sessions (read-only)."""
    return datasets.load(name)


PREVIEW_POINTS = 20_000


@st.cache_data(max_entries=8, show_spinner=False)
def preview_rows(n: int, limit: int = PREVIEW_POINTS, seed: int = 0):
    """Rows a quick preview draws: all of them up to ``limit``, else a fixed random sample."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


@st.cache_data(max_entries=32, show_spinner="Projecting…")
def projection(name: str, method: str, dims: int = 2, seed: int = 0):
    p = embed.project(dataset(name), method, dims=dims, seed=seed)
    return p.coords, p.explained_variance_ratio



@st.cache_resource(max_entries=4, show_spinner="Preparing the selected rows…")
def view_data(name: str, rows_code: str = ""):
    """A dataset, or the subset of its rows ``rows_code`` encodes ("isolate selection"), shared read-only."""
    data = dataset(name)
    return data.subset(explore.decode_rows(rows_code, data.n)) if rows_code else data


class _Bounded:
    """A small thread-safe LRU store (what :func:`kept` keeps a function's results in)."""

    def __init__(self, size: int) -> None:
        import collections
        import threading

        self.size, self.items, self.lock = size, collections.OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource(max_entries=64, show_spinner=False)
def _kept_store(name: str, size: int) -> _Bounded:
    """The store of the :func:`kept` function ``name``, shared by every session."""
    return _Bounded(size)


LIVE = ("progress", "probe")  # callbacks that show work as it happens: never part of a result's key


def kept(size: int):
    """Keep a function's results in memory for every session (the ``size`` most recently used), like
    ``st.cache_resource``, for work shown with a live progress bar, which ``st.cache_data`` cannot hold (it
    would replay the bar's element from another run). The arguments are the key, except the :data:`LIVE`
    callbacks, which only the computing call sees; arrays are made read-only (sessions share them).
    ``f.done(*args)`` is the kept result or None (has this already run?); ``f.store()`` the store itself, a
    ``st.cache_resource`` (so Streamlit's "Clear cache" clears it too)."""
    import functools
    import inspect

    def wrap(fn):
        signature = inspect.signature(fn)

        def store() -> _Bounded:
            return _kept_store(f"{fn.__module__}.{fn.__qualname__}", size)

        def key(args, kwargs) -> tuple:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return tuple(v for k, v in bound.arguments.items() if k not in LIVE)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            k = key(args, kwargs)
            hit = store().get(k)
            if hit is None:
                hit = fn(*args, **kwargs)
                if isinstance(hit, np.ndarray):
                    hit.setflags(write=False)
                store().put(k, hit)
            return hit

        call.done = lambda *args, **kwargs: store().get(key(args, kwargs))
        call.store = store
        return call

    return wrap


@kept(32)
def projected(name: str, rows_code: str, method: str, dims: int, params: tuple, progress=None) -> dict:
    """Coordinates of :func:`view_data` and how they were made (kept in memory, and on disk by core).

    ``params`` is a sorted tuple of (name, value) pairs. The core disk cache makes a repeat instant
    even after a server restart; ``progress`` (a callable taking a fraction) sees a fresh computation.
    """
    p = embed.project(view_data(name, rows_code), method, dims=dims, params=dict(params), progress=progress)
    p.coords.setflags(write=False)  # shared between sessions
    return {"coords": p.coords, "evr": p.explained_variance_ratio, "key": p.key, "seconds": p.seconds,
            "cached": p.cached}


@st.cache_data(max_entries=16, show_spinner="Scoring how well the map keeps neighbourhoods…")
def quality(name: str, rows_code: str, method: str, dims: int, params: tuple, k: int = 10):
    """Trustworthiness and k-NN recall of a projection (computed once, cached on disk beside it)."""
    from core.embed import Projection

    p = projected(name, rows_code, method, dims, params)
    proj = Projection(method, dict(params), p["coords"], p["seconds"], key=p["key"])
    return embed.projection_quality(view_data(name, rows_code), proj, k=k)


@st.cache_resource(max_entries=4, show_spinner="Indexing the original vectors…")
def neighbor_index(name: str, rows_code: str, metric: str):
    """Exact nearest-neighbour index over the original vectors (shared, read-only)."""
    from core.neighbors import NeighborIndex

    return NeighborIndex(view_data(name, rows_code).vectors, metric=metric)


@st.cache_data(max_entries=64, show_spinner=False)
def neighbors(name: str, rows_code: str, metric: str, row: int, k: int):
    res = neighbor_index(name, rows_code, metric).query_row(row, view_data(name, rows_code).vectors, k=k)
    return res.indices, res.distances


@st.cache_data(max_entries=16, show_spinner=False)
def search(name: str, rows_code: str, query: str, column: str, regex: bool):
    return explore.search(view_data(name, rows_code).meta, query, column, regex)


@st.cache_data(max_entries=16, show_spinner=False)
def color(name: str, rows_code: str, column: str, scale: str, recall=None):
    return explore.color_spec(view_data(name, rows_code).meta, column, recall=recall, scale=scale)


@st.cache_data(max_entries=16, show_spinner="Rasterising…")
def raster(name: str, rows_code: str, method: str, params: tuple, column: str, scale: str, zoom: tuple | None,
           width: int, height: int, recall=None):
    """The datashader image of a big 2-D projection, coloured like the scatter, for the box ``zoom`` (or all)."""
    from core.viz import raster as rst

    coords = projected(name, rows_code, method, 2, params)["coords"]
    spec = color(name, rows_code, column, scale, recall)
    x_range, y_range = (zoom[:2], zoom[2:]) if zoom else rst.view_ranges(coords)
    kw = {}
    if spec.kind == "categorical":
        kw = {"categories": spec.codes, "palette": spec.palette}
    elif spec.kind == "continuous":
        kw = {"values": spec.values, "cmap": explore.scale_colors(spec.colorscale)}
    return rst.rasterize(coords, x_range, y_range, width=width, height=height, **kw)


@st.cache_data(max_entries=4, show_spinner=False)
def sprite(name: str, rows_code: str):
    """Every thumbnail of an image dataset in one PNG (see :func:`core.viz.images.sprite_sheet`)."""
    from core.viz.images import sprite_sheet

    return sprite_sheet(view_data(name, rows_code).images)


EIGEN_MAX = 150  # eigenfaces fitted once; sliders pick how many are used


@st.cache_resource(max_entries=2, show_spinner="Computing the eigenfaces…")
def eigenfaces(svd: str = "full"):
    """The eigenfaces of all 400 ORL photos (shared, read-only)."""
    from core.embed.eigenfaces import Eigenfaces

    return Eigenfaces(n_components=EIGEN_MAX, svd=svd).fit(dataset("faces").vectors)


@st.cache_data(max_entries=1, show_spinner="Naming held-out photos with 1 to 150 eigenfaces…")
def identification(ks: tuple = (1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 75, 100, 150)) -> dict:
    from core.embed.eigenfaces import identification_curve

    faces = dataset("faces")
    return identification_curve(faces.vectors, faces.labels, faces.meta["shot"], ks=ks)


@st.cache_data(max_entries=4, show_spinner="Timing full and randomized SVD…")
def svd_comparison(k: int):
    from core.embed.eigenfaces import compare_svd

    return compare_svd(dataset("faces").vectors, n_components=k, repeat=3)


# ------------------------------------------------------------------------------ autoencoders / VAEs
@st.cache_resource(max_entries=2, show_spinner=False)
def ae_data(source: str):
    """(pixels, labels, train rows, test rows) of an autoencoder lesson source (shared, read-only)."""
    from core.embed import autoencoders as ae

    spec = ae.check_source(source)
    x, labels = ae.pixels(source, dataset(spec.dataset))
    train, test = ae.split(len(x), seed=ae.RECIPES[source].seed)
    x.setflags(write=False)
    return x, labels, train, test


@st.cache_resource(max_entries=12, show_spinner="Loading the trained weights…")
def ae_model(source: str, kind: str, code_size: int):
    """A shipped model (see data/models/autoencoders/README.md), shared read-only."""
    from core.embed import autoencoders as ae

    return ae.shipped(source, kind, code_size)


@st.cache_data(max_entries=12, show_spinner=False)
def ae_codes(source: str, kind: str, code_size: int) -> np.ndarray:
    return ae_model(source, kind, code_size).encode(ae_data(source)[0])


@st.cache_data(max_entries=2, show_spinner="Fitting PCA on the training images…")
def ae_pca_2d(source: str) -> np.ndarray:
    """Every image on the first two principal components of the training images."""
    from sklearn.decomposition import PCA

    x, _, train, _ = ae_data(source)
    return PCA(n_components=2, random_state=0).fit(x[train]).transform(x).astype(np.float32)


@st.cache_data(max_entries=2, show_spinner="Measuring reconstruction errors…")
def ae_errors(source: str) -> tuple[dict, dict]:
    """Held-out MSE per pixel of PCA and of the shipped autoencoders, by code size."""
    from core.embed import autoencoders as ae

    x, _, train, test = ae_data(source)
    model_err = {k: float(ae_model(source, "ae", k).reconstruction_error(x[test]).mean()) for k in ae.CODE_SIZES}
    return ae.pca_errors(x[train], x[test]), model_err


@st.cache_data(max_entries=8, show_spinner=False)
def ae_rebuilt(source: str, code_size: int, rows: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(PCA, autoencoder) reconstructions of ``rows`` at ``code_size``."""
    from core.embed import autoencoders as ae

    x, _, train, _ = ae_data(source)
    picked = x[list(rows)]
    return ae.pca_reconstruct(x[train], picked, code_size), ae_model(source, "ae", code_size).reconstruct(picked)


@st.cache_data(max_entries=16, show_spinner=False)
def ae_grid(source: str, n: int, span: float) -> np.ndarray:
    """The VAE's latent plane decoded on an n x n grid, as one picture."""
    from core.embed import autoencoders as ae

    _, images = ae.latent_grid(ae_model(source, "vae", 2), n, span)
    return ae.tile(images, ae.SOURCES[source].side, n)


@kept(4)
def trained_autoencoder(source: str, kind: str, code_size: int, epochs: int, learning_rate: float, progress=None):
    """A model trained from the page (seeded, so a shared link trains the same one), kept in memory."""
    from core.embed.autoencoders import RECIPES, Autoencoder

    x, _, train, _ = ae_data(source)
    recipe = RECIPES[source]
    return Autoencoder(kind=kind, code_size=code_size, epochs=epochs, learning_rate=learning_rate,
                       batch_size=recipe.batch_size, hidden=recipe.hidden,
                       random_state=recipe.seed).fit(x[train], progress=progress)


# ------------------------------------------------------------------------------ the t-SNE / UMAP lab
TOY_POINTS = sweeps.LESSON_TOY_POINTS


@st.cache_resource(max_entries=5, show_spinner=False)
def toy(name: str):
    """A toy with a known answer (seeded, :data:`TOY_POINTS` points), shared read-only."""
    from core.datasets.toys import make_toy

    return make_toy(name, n=TOY_POINTS, seed=0)


@kept(16)
def sweep(toy_name: str, sweep_name: str, progress=None) -> list:
    """Every map of a sweep over a toy: [(label, coords), ...] (disk-cached by core, kept here too)."""
    from core.embed.sweeps import run_sweep

    return run_sweep(toy(toy_name), sweep_name, progress=progress)


@st.cache_data(max_entries=16, show_spinner="Searching each point's Gaussian bandwidth…")
def affinities(toy_name: str, perplexity: float) -> tuple[np.ndarray, np.ndarray]:
    """p(j|i) of every toy point at ``perplexity`` and each point's sigma (:func:`core.embed.sne.conditional_p`)."""
    from core.embed.sne import conditional_p

    return conditional_p(toy(toy_name).vectors, perplexity)


@kept(8)
def trace(toy_name: str, perplexity: float, progress=None):
    """A recorded t-SNE run (KL and the map every 10 iterations), kept in memory."""
    from core.embed.sne import tsne_trace

    return tsne_trace(toy(toy_name).vectors, perplexity=perplexity, n_iter=500, every=10, progress=progress)


@st.cache_data(max_entries=1, show_spinner=False)
def crowding() -> dict:
    from core.embed.sne import crowding as radii

    return radii()


# ------------------------------------------------------------------------------------ the search lab
@st.cache_data(max_entries=1, show_spinner=False, ttl=60)
def corpus_catalog() -> list[dict]:
    """The corpora a page can pick: the installed built-ins and the uploads (cleared after an upload)."""
    from core.search.corpus import list_corpora

    return list_corpora()


@st.cache_resource(max_entries=4, show_spinner="Loading the corpus…")
def corpus(name: str = "foldoc"):
    """A corpus of the search lab (shared, read-only); raises InputError when it is not installed."""
    from core.search.corpus import load_corpus

    return load_corpus(name)


@st.cache_resource(max_entries=4, show_spinner="Indexing the corpus…")
def lexical_index(name: str = "foldoc"):
    from core.search.lexical import Index

    return Index.build(corpus(name).texts)


@st.cache_resource(max_entries=8, show_spinner=False)
def ranker(name: str, kind: str, k1: float = 1.5, b: float = 0.75):
    """A keyword ranker over a corpus (BM25 takes k1 and b)."""
    from core.search.lexical import make_ranker

    params = {"k1": k1, "b": b} if kind == "bm25" else {}
    return make_ranker(kind, lexical_index(name), **params)


REPEAT_GRID = (1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 100)


@st.cache_data(max_entries=16, show_spinner="Scoring the spam page…")
def stuffing(name: str, phrase: str, repeats: int, k1: float = 1.5, b: float = 0.75):
    """The keyword-stuffing curves: the spam page's score and rank per keyword ranker against its repeats."""
    from core.search.lexical import stuffing_curve

    return stuffing_curve(lexical_index(name), phrase, sorted({*REPEAT_GRID, int(repeats)}), k1=k1, b=b)


@st.cache_data(max_entries=16, show_spinner="Blending with PageRank…")
def stuffing_links(name: str, phrase: str, repeats: int, weight: float, k1: float = 1.5, b: float = 0.75):
    """The spam page's rank by BM25 alone and blended with PageRank, against its repeats."""
    from core.search.links import stuffing_vs_links

    return stuffing_vs_links(corpus(name), lexical_index(name), phrase, sorted({*REPEAT_GRID, int(repeats)}),
                             weight=weight, k1=k1, b=b)


@st.cache_data(max_entries=16, show_spinner=False)
def stuffed_results(name: str, phrase: str, repeats: int, k1: float = 1.5, b: float = 0.75, k: int = 10):
    """Each keyword ranker's top ``k`` for ``phrase`` once the spam page (row n) has joined the web."""
    from core.search.lexical import make_ranker

    index = lexical_index(name)
    terms = index.terms(phrase)
    grown = index.with_document(" ".join([" ".join(terms)] * int(repeats)))
    out = {}
    for kind in ("tf", "tfidf", "bm25"):
        params = {"k1": k1, "b": b} if kind == "bm25" else {}
        res = make_ranker(kind, grown, **params).search(phrase, k=k)
        out[kind] = (res.rows, res.scores)
    return out


@st.cache_resource(max_entries=8, show_spinner="Running PageRank…")
def pagerank(name: str, damping: float = 0.85):
    from core.search.links import corpus_pagerank

    return corpus_pagerank(corpus(name), damping=damping)


FARM_GRID = (0, 1, 3, 10, 30, 100, 300, 1000)


@st.cache_data(max_entries=16, show_spinner="Building link farms…")
def link_farm(name: str, target: int, damping: float, size: int):
    from core.search.links import link_farm_curve

    web = corpus(name)
    return link_farm_curve(web.n, web.link_src, web.link_dst, target, sorted({*FARM_GRID, int(size)}),
                           damping=damping)


@st.cache_resource(max_entries=2, show_spinner="Counting words and word pairs…")
def assistant(name: str = "foldoc"):
    """Autocomplete and typo correction from English word counts plus the corpus's own (shared, read-only)."""
    from core.search.assist import Assistant

    return Assistant.build(corpus(name))


@kept(4)
def corpus_vectors(name: str, progress=None):
    """MiniLM vectors of every document of a corpus (computed once, on disk by core; kept here too)."""
    from core.search.semantic import corpus_embeddings

    return corpus_embeddings(corpus(name), progress=progress)


def vectors_ready(name: str) -> bool:
    from core.search.semantic import embeddings_cached

    return corpus_vectors.done(name) is not None or embeddings_cached(corpus(name))


@st.cache_resource(max_entries=4, show_spinner=False)
def search_ranker(name: str, kind: str):
    """Any ranker of the lab by name (tf, tfidf, bm25, semantic, hybrid) over a corpus whose vectors exist."""
    from core.search.semantic import make_search_ranker

    if kind in ("semantic", "hybrid"):
        corpus_vectors(name)
    return make_search_ranker(kind, corpus(name), lexical_index(name))


@kept(8)
def evaluation(name: str, n_queries: int, progress=None):
    """MRR, nDCG@10 and recall@10 of every ranker on the corpus's own query set, and the queries."""
    from core.search.evaluate import build_queries, evaluate

    queries = build_queries(corpus(name), n=n_queries)
    rankers = {kind: search_ranker(name, kind) for kind in ("tfidf", "bm25", "semantic", "hybrid")}
    return evaluate(rankers, queries, progress=progress), queries


# --- recommendation lab -----------------------------------------------------------------------------------


@st.cache_data(max_entries=1, show_spinner=False)
def ratings_catalog() -> list[dict]:
    """MovieLens 100k (when installed) and the interaction sets uploaded to this workspace."""
    from core.recommend.uploads import list_ratings

    return list_ratings()


@st.cache_resource(max_entries=4, show_spinner="Reading the ratings…")
def ratings(name: str = "ml-100k"):
    """An interaction set by name (shared, read-only)."""
    from core.recommend.uploads import load_ratings

    return load_ratings(name)


@st.cache_resource(max_entries=12, show_spinner="Training the model…")
def recommender(name: str, model: str, params: tuple = ()):
    """A model of the registry fitted on ALL of a set's interactions (shared, read-only); ``params`` is a
    sorted tuple of (name, value) pairs."""
    from core.recommend.models import make_model

    return make_model(model, **dict(params)).fit(ratings(name).matrix)


@st.cache_data(max_entries=8, show_spinner=False)
def item_map(name: str, model: str, params: tuple = ()):
    """The first two principal components of a factor model's item factors, each made unit length first (the
    similar-items lists use cosine; the factors' lengths mostly say how popular an item is)."""
    from sklearn.decomposition import PCA

    factors = np.asarray(recommender(name, model, params).item_factors_, dtype=np.float64)
    unit = factors / np.maximum(np.linalg.norm(factors, axis=1, keepdims=True), 1e-12)  # direction, not popularity
    return PCA(n_components=2, random_state=0).fit_transform(unit)


@kept(4)
def rec_evaluation(name: str, k: int = 10, seed: int = 0, progress=None):
    """Every model of the registry on the set's held-out split: the metrics table (computed once)."""
    from core.recommend.data import split
    from core.recommend.evaluate import evaluate
    from core.recommend.models import MODELS

    return evaluate({m: m for m in MODELS}, split(ratings(name), seed=seed), k=k, progress=progress)


# --- representation lab ------------------------------------------------------------------------------------


@st.cache_resource(max_entries=1, show_spinner="Loading GloVe's 400,000 word vectors…")
def word_vectors(size: str = "400k"):
    """GloVe's word vectors with nearest-word and analogy search (shared, read-only)."""
    from core.represent.words import WordVectors

    return WordVectors.load(size)


@st.cache_data(max_entries=1, show_spinner="Answering the analogy questions…")
def analogy_accuracy():
    """Accuracy by section on Google's analogy questions, when a copy is installed (InputError otherwise)."""
    from core.represent.words import load_analogy_questions

    return word_vectors().analogy_accuracy(load_analogy_questions())


W2V_SNAPSHOTS = 8


@kept(4)
def word2vec(params: tuple, progress=None, probe=None):
    """word2vec trained on FOLDOC with ``params`` (sorted (name, value) pairs; seeded: the same params give the
    same vectors), kept; ``word2vec.done(params)`` is it when already trained, else None."""
    from core.represent.word2vec import Word2Vec

    return Word2Vec(**dict(params)).fit(corpus("foldoc").texts, progress=progress, probe=probe,
                                        snapshots=W2V_SNAPSHOTS)


@st.cache_data(max_entries=8, show_spinner="Saving the vectors for Explore…")
def word2vec_dataset(params: tuple) -> str:
    """The trained vectors saved to the workspace as a dataset; its id (for an Explore link)."""
    from core.datasets import workspace

    model = word2vec(params)
    return workspace.save(model.to_dataset(description=f"word2vec on FOLDOC: {dict(params)}",
                                           credit="trained by EmbedLab on FOLDOC (GFDL)"), source="word2vec")


@st.cache_data(max_entries=1, ttl=30, show_spinner=False)
def image_collections() -> list[str]:
    """Built-in image collections, then uploaded image datasets (re-read every 30 s: uploads come and go)."""
    from core.represent.images import collection_names

    return collection_names()


@st.cache_resource(max_entries=4, show_spinner="Loading the images…")
def image_collection(name: str):
    """An image collection's Dataset (pictures in ``images``), shared read-only."""
    from core.represent.images import load_collection

    return load_collection(name)


@kept(4)
def image_features(name: str, progress=None) -> np.ndarray:
    """EfficientNet-Lite0 features of a collection (computed once, on disk by core; kept here too)."""
    from core.represent.images import image_features as compute

    return compute(name, progress=progress)


def image_features_ready(name: str) -> bool:
    from core.represent.images import features_cached

    return image_features.done(name) is not None or features_cached(name)


@st.cache_data(max_entries=8, show_spinner="Saving the features for Explore…")
def image_features_dataset(name: str) -> str:
    """The collection's features (pictures kept) as a workspace dataset; its id, for Explore and the map."""
    from core.datasets import workspace
    from core.represent import images

    if images.carries_features(image_collection(name)):  # an upload: its vectors are these features already
        return name
    return workspace.save(images.features_dataset(name, image_features(name)), source=images.SOURCE)


IMAGE_GRID_MAX = 1600  # images snapped to the grid at most (an evenly spaced sample of a larger collection)


@st.cache_data(max_entries=8, show_spinner="Snapping the map to a grid…")
def image_grid(ws_id: str, method: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The rows shown in the grid view, the cell of each (an optimal assignment), and the grid's rows and columns."""
    from core.represent.images import grid_layout, grid_shape

    coords = projected(ws_id, "", method, 2, ())["coords"]
    n = len(coords)
    rows = np.arange(n) if n <= IMAGE_GRID_MAX else np.linspace(0, n - 1, IMAGE_GRID_MAX).astype(np.int64)
    shape = grid_shape(len(rows))
    return rows, grid_layout(coords[rows], *shape), shape[0], shape[1]


@kept(4)
def triplet(params: tuple, progress=None):
    """The triplet-loss embedder trained with ``params`` (sorted (name, value) pairs; seeded), kept;
    ``triplet.done(params)`` is it when already trained, else None."""
    from core.represent.triplet import TripletEmbedder

    return TripletEmbedder(**dict(params)).fit(progress=progress)


@st.cache_data(max_entries=2, show_spinner=False)
def triplet_pixels(source: str):
    from core.embed.autoencoders import pixels

    return pixels(source)


@st.cache_data(max_entries=8, show_spinner=False)
def triplet_examples(params: tuple, n: int = 4):
    from core.represent.triplet import example_triplets

    X, y = triplet_pixels(dict(params)["source"])
    return example_triplets(triplet(params), X, y, n=n)


@st.cache_data(max_entries=8, show_spinner="Training the baselines (a plain classifier)…")
def triplet_comparison(params: tuple):
    from core.represent.triplet import compare

    return compare(dict(params)["source"], embedder=triplet(params)).to_dict("records")


# ---------------------------------------------------------------------------- sequence models (FOLDOC characters)
@st.cache_data(max_entries=1, show_spinner="Taking the training text from FOLDOC…")
def sequence_text() -> str:
    """The seeded FOLDOC subset every character model trains on (the same text for all of them)."""
    from core.represent.sequence import training_text

    return training_text(corpus("foldoc").texts)


def shipped_sequence_model(kind: str):
    """The character model ``kind`` the project trained on FOLDOC and ships (``data/models/sequence``), shared
    read-only; None while its file is missing (the page then trains it: :func:`sequence_model`)."""
    from core.represent.sequence import shipped_path

    return _shipped_sequence_model(kind) if shipped_path(kind).is_file() else None


@st.cache_resource(max_entries=3, show_spinner="Loading the character model…")
def _shipped_sequence_model(kind: str):
    from core.represent.sequence import shipped

    return shipped(kind)


@kept(6)
def sequence_model(kind: str, progress=None):
    """The character model ``kind`` (default budget, seeded: the same for every visitor) trained on FOLDOC, kept;
    ``sequence_model.done(kind)`` is it when already trained, else None."""
    from core.represent.sequence import CharModel

    return CharModel(kind).fit(sequence_text(), progress=progress)


# ---------------------------------------------------------------------------------------- generative lab
@st.cache_resource(max_entries=4, show_spinner="Loading the generator…")
def generator(name: str):
    """A shipped generative model (core.generate.models.Generative), shared read-only."""
    from core.generate import models

    return models.load(name)


@st.cache_resource(max_entries=2, show_spinner="Loading the training images…")
def gen_pictures(name: str) -> dict:
    """The fixed training / held-out split of a shipped model's set: uint8 pictures, labels and [-1, 1] pixels."""
    from core.generate import models
    from core.generate.data import to_uint8

    train, test = models.training_images(models.check_model(name))
    return {"train": to_uint8(train.x), "train_labels": train.labels, "heldout": to_uint8(test.x),
            "heldout_labels": test.labels, "heldout_x": test.x}


@st.cache_data(max_entries=32, show_spinner=False)
def gen_samples(name: str, n: int, seed: int, psi: float = 1.0, labels: tuple | None = None) -> np.ndarray:
    """``n`` pictures of a shipped model from a seed (uint8 (n, side, side)); conditional models take ``labels``."""
    return generator(name).sample(n, seed=seed, psi=psi, labels=None if labels is None else list(labels))


@st.cache_data(max_entries=64, show_spinner=False)
def gen_nearest(name: str, pictures: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nearest training picture of each picture: (training rows, RMS pixel distances, mirrored?). For a model
    trained with random flips the training pictures' mirror images count too."""
    from core.generate import models, quality

    train = gen_pictures(name)["train"]
    if models.trained_with_flips(name):
        return quality.nearest_mirrored(pictures, train)
    rows, dist = quality.nearest(pictures, train)
    return rows, dist, np.zeros(len(rows), dtype=bool)


@st.cache_data(max_entries=4, show_spinner="Reading the training record…")
def gen_replay(name: str):
    """(record, snapshots, inputs) of a shipped model: losses per step, the replay frames, and for an
    image-to-image model the edge maps they translate with the real pictures ({} for the others)."""
    from core.generate import models

    return (*models.replay(name), models.replay_inputs(name))


@st.cache_data(max_entries=64, show_spinner=False)
def gen_decode(name: str, z: np.ndarray, labels: tuple | np.ndarray | None = None) -> np.ndarray:
    """Pictures a shipped model decodes from latent vectors (uint8 (n, side, side)); a conditional model takes
    class names (a tuple) or class weights (an array (n, n_classes))."""
    return generator(name).decode(z, labels=list(labels) if isinstance(labels, tuple) else labels)


@st.cache_data(max_entries=2, show_spinner="Translating the held-out edge maps…")
def gen_translations(name: str) -> tuple[np.ndarray, np.ndarray]:
    """An image-to-image model's inputs and outputs on every held-out picture: (edge maps, translations), uint8."""
    from core.generate.data import edges, to_uint8

    gen, x = generator(name), gen_pictures(name)["heldout_x"]
    edge_maps = edges(x)
    return to_uint8(edge_maps), gen.translate(edge_maps)


@st.cache_data(max_entries=1, ttl=30, show_spinner=False)
def gen_sets() -> list[str]:
    """The sets "Train your own GAN" offers: built-in ones, then uploaded image collections (re-read every 30 s)."""
    from core.generate.data import set_names

    return set_names()


@st.cache_resource(max_entries=3, show_spinner="Loading the training images…")
def gen_training_images(name: str, side: int | None):
    """A training set's pixels in [-1, 1] (core.generate.data.Images), shared read-only by the sessions' trainers
    (left writable: torch warns on read-only arrays, and a trainer only reads its batches from them)."""
    from core.generate.data import images

    return images(name, side)

