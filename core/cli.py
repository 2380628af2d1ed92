"""The ``embedlab`` command: a thin adapter over the same functions the dashboard uses.

Every failure caused by input prints ONE line on stderr starting ``error:`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from core.errors import EmbedLabError, InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's usage dump becomes one line
        raise InputError(f"{message} (see `{self.prog} --help`)")


def _add_source(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="built-in name (glove-5k, digits, ...) or a workspace id")
    src.add_argument("--input", help="a file (.tsv .csv .parquet .npy .txt .zip) or a folder of images")
    p.add_argument("--metadata", help="metadata .tsv/.csv for --input vectors (.tsv or .npy)")
    p.add_argument("--text-column", help="embed this text column of a CSV/Parquet with MiniLM")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="embedlab", description="EmbedLab: explore and teach embeddings.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("datasets", help="list the datasets that can be loaded by name")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="parse a file and save it to the workspace; prints its id")
    _add_source(p)

    p = sub.add_parser("project", help="project a dataset to 2-D/3-D and measure how trustworthy it is")
    _add_source(p)
    p.add_argument("--method", required=True, choices=["pca", "tsne", "umap"])
    p.add_argument("--dims", type=int, default=2, choices=[2, 3])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--perplexity", type=float, help="t-SNE perplexity (default 30)")
    p.add_argument("--n-neighbors", type=int, help="UMAP n_neighbors (default 15)")
    p.add_argument("--min-dist", type=float, help="UMAP min_dist (default 0.1)")
    p.add_argument("--k", type=int, default=10, help="k of the quality metrics (default 10)")
    p.add_argument("--no-cache", action="store_true", help="recompute even when a cached result exists")
    p.add_argument("--out", help="write coordinates + metadata to FILE (.parquet or .csv)")

    p = sub.add_parser("neighbors", help="nearest neighbours of a row in the original space")
    _add_source(p)
    p.add_argument("--query", required=True, help="an id or a label of the dataset")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])

    p = sub.add_parser("serve", help="start the dashboard")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")

    sub.add_parser("warmup", help="compile UMAP's numba code into the disk cache; precompute the lab's first view")

    p = sub.add_parser("eigenfaces", help="PCA of the ORL faces: variance explained and identification accuracy")
    p.add_argument("--components", type=int, default=50, help="eigenfaces kept, 1..320 (default 50)")
    p.add_argument("--svd", choices=["full", "randomized"], default="full")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("fetch-corpus", help="download and unpack the FOLDOC corpus for the search lab and embed it "
                       "with MiniLM (set-up time; a few minutes on 2 cores, once)")
    p.add_argument("--no-embed", action="store_true", help="skip the MiniLM vectors (semantic search computes them "
                   "on first use)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="rank the FOLDOC corpus for a query")
    p.add_argument("query")
    p.add_argument("--ranker", choices=["tf", "tfidf", "bm25", "semantic", "hybrid"], default="bm25",
                   help="keywords (tf, tfidf, bm25), meaning (semantic: MiniLM cosine) or both (hybrid: reciprocal "
                        "rank fusion of bm25 and semantic)")
    p.add_argument("--k", type=int, default=10, help="results, 1..1000 (default 10)")
    p.add_argument("--k1", type=float, default=1.5, help="BM25's term-frequency saturation (default 1.5)")
    p.add_argument("--b", type=float, default=0.75, help="BM25's length normalisation, 0..1 (default 0.75)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("pagerank", help="PageRank of the FOLDOC link graph: the top pages")
    p.add_argument("--top", type=int, default=10, help="pages listed, 1..1000 (default 10)")
    p.add_argument("--damping", type=float, default=0.85, help="damping factor, 0 <= d < 1 (default 0.85)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("suggest", help="autocomplete: completions of what is typed, best first")
    p.add_argument("prefix", help="the text typed so far (a trailing space asks for the next word)")
    p.add_argument("--k", type=int, default=10, help="suggestions, 1..100 (default 10)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("correct", help="typo correction with context (\"did you mean\")")
    p.add_argument("text")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("recommend", help="top-N recommendations for one user (never an item they already rated)")
    p.add_argument("--user", required=True, help="a user id (MovieLens: 1..943)")
    p.add_argument("--model", default="ease", help="a model of the recommendation lab (default ease; "
                   "see `embedlab evaluate-recs` for all)")
    p.add_argument("--k", type=int, default=10, help="items, 1..1000 (default 10)")
    p.add_argument("--ratings", default="ml-100k", help="ml-100k (default) or the id of an uploaded set")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("evaluate-recs", help="every recommender on a held-out 80/20 split: precision, recall, "
                       "NDCG, coverage (RMSE for rating predictors)")
    p.add_argument("--k", type=int, default=10, help="length of the top list, 1..100 (default 10)")
    p.add_argument("--ratings", default="ml-100k", help="ml-100k (default) or the id of an uploaded set")
    p.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    p.add_argument("--json", action="store_true")

    sizes = ["400k", "100k", "20k", "5k"]
    p = sub.add_parser("analogy", help="word analogies over GloVe: the words nearest to the positive words minus the "
                       "negative ones (king - man + woman -> queen)")
    p.add_argument("--positive", nargs="+", required=True, metavar="W", help="words added (king woman)")
    p.add_argument("--negative", nargs="*", default=[], metavar="W", help="words subtracted (man)")
    p.add_argument("--k", type=int, default=10, help="results, 1..1000 (default 10)")
    p.add_argument("--method", choices=["3cosadd", "3cosmul"], default="3cosadd",
                   help="3cosadd: cosine to the sum (default); 3cosmul: Levy & Goldberg's product of similarities")
    p.add_argument("--size", choices=sizes, default="400k", help="GloVe's N most frequent words (default 400k)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("similar-words", help="the GloVe words nearest to a word by cosine")
    p.add_argument("word")
    p.add_argument("--k", type=int, default=10, help="results, 1..1000 (default 10)")
    p.add_argument("--size", choices=sizes, default="400k", help="GloVe's N most frequent words (default 400k)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train-autoencoders",
                       help="retrain the shipped autoencoders/VAEs and rewrite their model card (a few minutes)")
    p.add_argument("--out", default=None, help="folder to write to (default data/models/autoencoders)")
    p.add_argument("--source", action="append", default=None, help="mnist-5k or faces (default both)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("models", help="the generative models the project ships: name, data, image size")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("generate", help="draw pictures from a shipped generative model into one PNG grid")
    p.add_argument("--model", default="faces-dcgan", help="a name from `embedlab models` (default faces-dcgan)")
    p.add_argument("--n", type=int, default=16, help="pictures, 1..1024 (default 16)")
    p.add_argument("--seed", type=int, default=0, help="the same seed gives the same pictures (default 0)")
    p.add_argument("--psi", type=float, default=1.0, help="truncation, 0..2; 1 is none (default 1)")
    p.add_argument("--label", default=None, help="the class to draw (conditional models; default: each in turn)")
    p.add_argument("--out", required=True, help="the PNG file to write")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train-generative",
                       help="retrain the shipped GANs, measure them and rewrite their model card "
                            "(about 45 min on 2 cores)")
    p.add_argument("--out", default=None, help="folder to write to (default data/models/generative)")
    p.add_argument("--model", action="append", default=None, help="a model to rebuild (default: all)")
    p.add_argument("--measure-only", action="store_true",
                   help="keep the weights; measure the models again and rewrite the card (a few minutes)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train-sequence",
                       help="retrain the shipped character models on FOLDOC and rewrite their model card "
                            "(about a minute on 2 cores)")
    p.add_argument("--out", default=None, help="folder to write to (default data/models/sequence)")
    p.add_argument("--model", action="append", default=None, choices=["lstm", "gru", "transformer"],
                   help="a model to rebuild (default: all three)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--json", action="store_true")
    return parser


def _load(args):
    from core import datasets
    from core.datasets import parsers, workspace

    if args.dataset:
        if args.metadata or args.text_column:
            raise InputError("--metadata and --text-column go with --input, not --dataset")
        return datasets.load(args.dataset), args.dataset
    ds = parsers.parse_path(args.input, metadata=args.metadata, text_column=args.text_column)
    ws_id = workspace.save(ds, source=str(Path(args.input).name))
    return ds, ws_id


def cmd_datasets(args) -> dict | list:
    from core import datasets

    rows = datasets.catalog()
    if not args.json:
        for r in rows:
            print(f"{r['name']:<14} {r['n']:>8,} x {r['dim']:<5} {r['description']}")
    return rows


def cmd_import(args) -> dict:
    ds, ws_id = _load(args)
    if not args.json:
        print(ws_id)
    return {"dataset": ws_id, "n": ds.n, "dim": ds.dim, "description": ds.description}


def _write_table(frame, out: str) -> None:
    path = Path(out)
    writers = {".parquet": frame.to_parquet, ".csv": lambda p: frame.to_csv(p, index=False)}
    if path.suffix.lower() not in writers:
        raise InputError(f"--out {out!r} must end in .parquet or .csv")
    if not path.parent.exists():
        raise InputError(f"--out folder {str(path.parent)!r} does not exist; create it first")
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    writers[path.suffix.lower()](tmp)
    os.replace(tmp, path)


def cmd_project(args) -> dict:
    from core import embed, metrics

    if args.out and Path(args.out).suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"--out {args.out!r} must end in .parquet or .csv")
    ds, name = _load(args)
    metrics.check_k(ds.n, args.k)  # before a long fit, not after
    params = {"tsne": {"perplexity": args.perplexity},
              "umap": {"n_neighbors": args.n_neighbors, "min_dist": args.min_dist}}.get(args.method, {})
    params = {k: v for k, v in params.items() if v is not None}
    start = time.perf_counter()
    proj = embed.project(ds, args.method, dims=args.dims, seed=args.seed, params=params, use_cache=not args.no_cache)
    seconds = time.perf_counter() - start
    q = embed.projection_quality(ds, proj, k=args.k, use_cache=not args.no_cache)
    result = {
        "dataset": name, "method": args.method, "n": ds.n, "dim": ds.dim, "dims": proj.dims, "seed": args.seed,
        "params": {k: v for k, v in proj.params.items() if k not in ("n_components", "random_state")},
        "seconds": round(seconds, 4), "fit_seconds": round(proj.seconds, 4), "cached": proj.cached,
        "k": args.k, "trustworthiness": round(q.trustworthiness, 6), "knn_recall": round(q.knn_recall, 6),
    }
    if q.sampled:  # big data: the metrics are estimated on a fixed random sample of points
        result["quality_sample"] = q.sampled
    if proj.explained_variance_ratio is not None:
        result["explained_variance_ratio"] = [round(float(v), 6) for v in proj.explained_variance_ratio]
    if args.out:
        frame = ds.meta.copy()
        for j, axis in enumerate("xyz"[: proj.dims]):
            frame[axis] = proj.coords[:, j]
        frame["trustworthiness"] = q.trustworthiness_per_point
        frame["knn_recall"] = q.knn_recall_per_point
        _write_table(frame, args.out)
        result["out"] = str(args.out)
    if not args.json:
        print(f"{args.method} of {name}: {ds.n} points -> {proj.dims}-D in {seconds:.2f}s"
              f"{' (cached)' if proj.cached else ''}; trustworthiness {q.trustworthiness:.3f}, "
              f"{args.k}-NN recall {q.knn_recall:.3f}")
    return result


def cmd_neighbors(args) -> dict:
    from core.neighbors import NeighborIndex

    ds, name = _load(args)
    row = ds.row_of(args.query)
    res = NeighborIndex(ds.vectors, metric=args.metric).query_row(row, ds.vectors, k=args.k)
    items = [{"id": str(ds.ids[i]), "label": str(ds.labels[i]), "distance": round(float(d), 6)}
             for i, d in zip(res.indices, res.distances, strict=True)]
    if not args.json:
        for it in items:
            print(f"{it['distance']:.4f}  {it['label']}")
    return {"dataset": name, "query": {"id": str(ds.ids[row]), "label": str(ds.labels[row])},
            "metric": args.metric, "k": args.k, "neighbors": items}


def cmd_serve(args) -> None:
    """Replace this process with ``python -m streamlit run dashboard/streamlit_app.py``.

    The dashboard runs in Streamlit's own process (core never imports Streamlit).
    """
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)  # Streamlit reads .streamlit/config.toml from the working directory
    command = [sys.executable, "-m", "streamlit", "run", str(root / "dashboard" / "streamlit_app.py"),
               "--server.port", str(args.port)]
    if args.headless:
        command += ["--server.headless", "true"]
    sys.stdout.flush()
    os.execv(sys.executable, command)


def cmd_warmup(args) -> dict:
    from core.embed.sweeps import warm_lesson
    from core.embed.warmup import warmup

    seconds = warmup()
    print(f"UMAP compiled and cached in {seconds:.1f}s")
    return {"seconds": seconds, "lesson_seconds": warm_lesson()}


def cmd_eigenfaces(args) -> dict:
    """Eigenfaces of all 400 photos (variance) and, fitted on shots 1-8, 1-NN naming of shots 9-10."""
    from core import datasets
    from core.embed.eigenfaces import Eigenfaces, identification_curve

    faces = datasets.load("faces")
    k = args.components
    model = Eigenfaces(n_components=k, svd=args.svd).fit(faces.vectors)
    accuracy = identification_curve(faces.vectors, faces.labels, faces.meta["shot"], ks=(k,), svd=args.svd)[k]
    evr = model.explained_variance_ratio_
    if not args.json:
        print(f"{k} eigenfaces explain {evr.sum():.1%} of the variance; 1-NN names the person in "
              f"{accuracy:.1%} of the held-out photos")
    return {"components": k, "svd": args.svd, "explained_variance": float(evr.sum()),
            "explained_variance_ratio": [float(v) for v in evr], "identification_accuracy": accuracy,
            "held_out": "shots 9 and 10 of each of the 40 people (80 photos); fitted on the other 320"}


def cmd_fetch_corpus(args) -> dict:
    from core.search.corpus import fetch_foldoc, load_foldoc

    where = fetch_foldoc(log=(lambda _: None) if args.json else print)
    corpus = load_foldoc(where)
    if not args.json:
        print(f"FOLDOC: {corpus.n:,} documents, {corpus.n_links:,} links, in {where}")
    out = {"path": str(where), "documents": corpus.n, "links": corpus.n_links, "embedded_seconds": None}
    if not args.no_embed:
        import time

        from core.search.semantic import corpus_embeddings, embeddings_cached

        started, shown = time.perf_counter(), [-1]

        def progress(done: int, total: int) -> None:
            step = int(10 * done / max(total, 1))
            if not args.json and step != shown[0]:
                shown[0] = step
                print(f"  embedding FOLDOC with MiniLM: {done:,} of {total:,}", flush=True)

        if not embeddings_cached(corpus) and not args.json:
            print("Embedding FOLDOC with MiniLM for semantic search (once; a few minutes on 2 cores)…")
        corpus_embeddings(corpus, progress=progress)
        out["embedded_seconds"] = round(time.perf_counter() - started, 1)
    return out


def cmd_search(args) -> dict:
    """Rank FOLDOC for a query: ``results`` (id, title, score), best first."""
    from core.search.corpus import load_corpus
    from core.search.semantic import make_search_ranker

    if not 1 <= args.k <= 1000:
        raise InputError(f"--k must be from 1 to 1000 (got {args.k})")
    corpus = load_corpus("foldoc")
    params = {"k1": args.k1, "b": args.b} if args.ranker in ("bm25", "hybrid") else {}
    res = make_search_ranker(args.ranker, corpus, **params).search(args.query, k=args.k)
    results = [{"id": corpus.ids[r], "title": corpus.titles[r], "score": float(s)}
               for r, s in zip(res.rows, res.scores, strict=True)]
    if not args.json:
        for i, hit in enumerate(results, 1):
            print(f"{i:3d}. {hit['score']:8.4f}  {hit['title']}")
        if not results:
            print(f"no document contains any of: {', '.join(res.terms)}")
    return {"query": args.query, "ranker": args.ranker, "terms": list(res.terms), "results": results}


def cmd_pagerank(args) -> dict:
    """PageRank of FOLDOC's cross-reference graph: ``results`` (id, title, score), best first, and ``iterations``."""
    from core.search.corpus import load_corpus
    from core.search.links import corpus_pagerank

    if not 1 <= args.top <= 1000:
        raise InputError(f"--top must be from 1 to 1000 (got {args.top})")
    corpus = load_corpus("foldoc")
    pr = corpus_pagerank(corpus, damping=args.damping)
    results = [{"id": corpus.ids[r], "title": corpus.titles[r], "score": float(pr.scores[r])} for r in pr.top(args.top)]
    if not args.json:
        for i, hit in enumerate(results, 1):
            print(f"{i:3d}. {hit['score']:.6f}  {hit['title']}")
        print(f"({pr.iterations} power iterations, damping {pr.damping:g})")
    return {"damping": pr.damping, "iterations": pr.iterations, "converged": pr.converged,
            "residuals": pr.residuals, "results": results}


def _assistant():
    """Word counts of English and, when it is installed, of FOLDOC too (as the dashboard uses them)."""
    from core.search.assist import Assistant
    from core.search.corpus import load_corpus

    try:
        corpus = load_corpus("foldoc")
    except InputError:
        corpus = None
    return Assistant.build(corpus)


def cmd_suggest(args) -> dict:
    """Autocomplete: ``suggestions`` (the whole suggested texts, best first) and their ``details``."""
    found = _assistant().suggest(args.prefix, k=args.k)
    if not args.json:
        for s in found:
            print(f"{s.text}    ({s.source}, {s.count:,})")
    return {"prefix": args.prefix, "suggestions": [s.text for s in found],
            "details": [{"text": s.text, "word": s.word, "count": s.count, "source": s.source} for s in found]}


def cmd_correct(args) -> dict:
    """Did you mean: ``correction`` and, per typed word, its best ``candidates`` with their score terms."""
    fixed = _assistant().correct(args.text)
    if not args.json:
        print(fixed.correction if fixed.changed else f"{fixed.correction} (nothing to correct)")
    keep = ("position", "word", "candidate", "distance", "count", "source", "unigram", "left", "right", "edit",
            "score", "chosen")
    return {"text": args.text, "correction": fixed.correction, "changed": fixed.changed,
            "candidates": [{k: c[k] for k in keep} for c in fixed.candidates]}


def cmd_recommend(args) -> dict:
    """Top-k for one user: ``items`` (id, title, score), best first, none already rated by the user."""
    from core.recommend.models import make_model
    from core.recommend.uploads import load_ratings

    if not 1 <= args.k <= 1000:
        raise InputError(f"--k must be from 1 to 1000 (got {args.k})")
    ratings = load_ratings(args.ratings)
    model = make_model(args.model)
    row = ratings.user_row(args.user)
    recs = model.fit(ratings.matrix).recommend(row, k=args.k)
    items = [{"id": ratings.item_ids[i], "title": ratings.titles[i], "score": float(s)}
             for i, s in zip(recs.items, recs.scores, strict=True)]
    if not args.json:
        for i, hit in enumerate(items, 1):
            print(f"{i:3d}. {hit['score']:8.4f}  {hit['title']}")
    return {"user": str(args.user).strip(), "model": args.model, "ratings": ratings.name,
            "rated": int(ratings.user_counts[row]), "items": items}


def cmd_evaluate_recs(args) -> dict:
    """Every model of the registry on the held-out split: ``models`` maps a name to its metrics."""
    from core.recommend.evaluate import evaluate_all
    from core.recommend.uploads import load_ratings

    if not 1 <= args.k <= 100:
        raise InputError(f"--k must be from 1 to 100 (got {args.k})")
    ratings = load_ratings(args.ratings)
    table = evaluate_all(ratings, k=args.k, seed=args.seed)
    k = args.k
    keys = (f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "coverage", "rmse", "fit_s")
    models = {row["model"]: {key: (None if row[key] != row[key] else round(float(row[key]), 6)) for key in keys}
              for row in table.to_dict("records")}
    if not args.json:
        print(table.drop(columns=["label"], errors="ignore").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return {"ratings": ratings.name, "k": k, "seed": args.seed, "test_fraction": 0.2, "models": models}


def _print_words(results: list[dict]) -> None:
    for i, hit in enumerate(results, 1):
        print(f"{i:3d}. {hit['score']:.4f}  {hit['word']}")


def cmd_analogy(args) -> dict:
    """Analogy: ``results`` (word, score), best first, the input words left out."""
    from core.represent.words import WordVectors

    if not 1 <= args.k <= 1000:
        raise InputError(f"--k must be from 1 to 1000 (got {args.k})")
    wv = WordVectors.load(args.size)
    found = wv.analogy(args.positive, args.negative, k=args.k, method=args.method)
    results = [{"word": w, "score": s} for w, s in found]
    if not args.json:
        _print_words(results)
    return {"positive": [str(wv.words[wv.index_of(w)]) for w in args.positive],
            "negative": [str(wv.words[wv.index_of(w)]) for w in args.negative], "method": args.method,
            "size": args.size, "results": results}


def cmd_similar_words(args) -> dict:
    """Nearest words by cosine: ``results`` (word, score), best first, the word itself left out."""
    from core.represent.words import WordVectors

    if not 1 <= args.k <= 1000:
        raise InputError(f"--k must be from 1 to 1000 (got {args.k})")
    wv = WordVectors.load(args.size)
    results = [{"word": w, "score": s} for w, s in wv.nearest(args.word, k=args.k)]
    if not args.json:
        _print_words(results)
    return {"word": str(wv.words[wv.index_of(args.word)]), "size": args.size, "results": results}


def cmd_train_autoencoders(args) -> dict:
    """Rebuild data/models/autoencoders: every shipped model, its metrics and the model card."""
    from core.embed import autoencoders

    out = args.out or autoencoders.SHIPPED_DIR
    sources = args.source or list(autoencoders.SOURCES)
    for name in sources:
        autoencoders.check_source(name)
    rows = autoencoders.rebuild_shipped(out, sources, device=args.device,
                                        log=(lambda _: None) if args.json else print)
    return {"out": str(out), "models": rows}


def cmd_models(args) -> list[dict]:
    """The shipped generative models."""
    from core.generate import models

    out = [{"name": m.name, "title": m.title, "kind": m.arch.kind, "data": m.data, "image_size": m.arch.side,
            "z_dim": None if m.image_to_image else m.arch.z_dim, "conditional": m.conditional,
            "image_to_image": m.image_to_image, "description": m.description} for m in models.MODELS.values()]
    if not args.json:
        for m in out:
            print(f"{m['name']:<15} {m['data']:<9} {m['image_size']}x{m['image_size']}  {m['description']}")
    return out


def cmd_generate(args) -> dict:
    """Sample a shipped model into one PNG grid; the same seed gives the same picture."""
    from core.checks import check_whole
    from core.generate import models
    from core.generate.latent import MAX_SAMPLES
    from core.viz.generate import grid_png

    spec = models.check_model(args.model)
    if spec.image_to_image:
        raise InputError(f"{args.model} translates edge maps; `generate` draws from noise: use one of "
                         f"{', '.join(models.LATENT_MODELS)}")
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise InputError(f"--out {args.out!r} must end in .png")
    if not out.parent.is_dir():
        raise InputError(f"the folder {str(out.parent)!r} does not exist")
    check_whole("--n", args.n, 1, MAX_SAMPLES)
    gen = models.load(args.model, device=args.device)
    labels = None
    if spec.conditional:
        labels = [args.label] * args.n if args.label is not None else [gen.classes[i % len(gen.classes)]
                                                                         for i in range(args.n)]
    elif args.label is not None:
        conditional = ", ".join(n for n, m in models.MODELS.items() if m.conditional)
        raise InputError(f"{args.model} is not conditional; --label applies to {conditional}")
    started = time.perf_counter()
    pictures = gen.sample(args.n, seed=args.seed, psi=args.psi, labels=labels)
    seconds = time.perf_counter() - started
    out.write_bytes(grid_png(pictures))
    if not args.json:
        print(f"wrote {args.n} pictures of {args.model} (seed {args.seed}) to {out} in {seconds * 1000:.0f} ms")
    return {"model": args.model, "n": args.n, "seed": args.seed, "psi": args.psi, "seconds": seconds,
            "out": str(out), "image_size": spec.arch.side}


def cmd_train_generative(args) -> dict:
    """Rebuild data/models/generative: every shipped GAN, its record, its replay and the model card."""
    from core.generate import models

    out = args.out or models.SHIPPED_DIR
    names = args.model or list(models.MODELS)
    for name in names:
        models.check_model(name)
    log = (lambda _: None) if args.json else print
    if args.measure_only:
        from core.generate import quality

        records = [quality.remeasure(name, out, log=log) for name in names]
        models.write_file(Path(out) / "README.md", models.model_card(out).encode("utf-8"))
    else:
        records = models.rebuild(names, out, device=args.device, log=log)
    return {"out": str(out), "models": [{k: r[k] for k in ("name", "seconds", "device", "quality") if k in r}
                                        for r in records]}


def cmd_train_sequence(args) -> dict:
    """Rebuild data/models/sequence: the LSTM, GRU and Transformer trained on FOLDOC, and their model card."""
    from core.represent import sequence
    from core.search.corpus import load_corpus

    out = args.out or sequence.SHIPPED_DIR
    text = sequence.training_text(load_corpus("foldoc").texts)
    rows = sequence.rebuild_shipped(text, out, args.model or list(sequence.SEQUENCE_MODELS), device=args.device,
                                    log=(lambda _: None) if args.json else print)
    return {"out": str(out), "models": rows}


COMMANDS = {"datasets": cmd_datasets, "import": cmd_import, "project": cmd_project, "neighbors": cmd_neighbors,
            "serve": cmd_serve, "warmup": cmd_warmup, "eigenfaces": cmd_eigenfaces,
            "train-autoencoders": cmd_train_autoencoders, "fetch-corpus": cmd_fetch_corpus, "search": cmd_search,
            "pagerank": cmd_pagerank, "suggest": cmd_suggest, "correct": cmd_correct,
            "recommend": cmd_recommend, "evaluate-recs": cmd_evaluate_recs, "analogy": cmd_analogy,
            "similar-words": cmd_similar_words, "models": cmd_models, "generate": cmd_generate,
            "train-generative": cmd_train_generative, "train-sequence": cmd_train_sequence}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        result = COMMANDS[args.command](args)
        if getattr(args, "json", False):
            print(json.dumps(result, default=float))
        return 0
    except EmbedLabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `embedlab ... | head`: the reader has gone, which is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        print("error: out of memory; try a smaller dataset (e.g. glove-5k) or fewer rows", file=sys.stderr)
        return 2
    except Exception as err:  # never a traceback: one line that can be reported
        print(f"error: unexpected {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''} "
              "(please report this with the command you ran)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
