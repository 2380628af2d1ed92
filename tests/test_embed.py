"""Projections (PCA, t-SNE, UMAP), their parameters, the disk cache, and the pretrained encoders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA as SkPCA

from core import datasets, embed
from core.embed import cache
from core.embed.projectors import PCA, TSNE, UMAP, make_projector
from core.errors import InputError
from core.metrics import trustworthiness

ROOT = Path(__file__).resolve().parent.parent


def same_up_to_sign(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    """Columns equal, each possibly flipped (principal axes have no sign)."""
    assert a.shape == b.shape
    for j in range(a.shape[1]):
        sign = 1.0 if np.dot(a[:, j], b[:, j]) >= 0 else -1.0
        np.testing.assert_allclose(a[:, j], sign * b[:, j], atol=atol, err_msg=f"column {j}")


@pytest.fixture(scope="module")
def digits300():
    ds = datasets.load("digits")
    rows = np.sort(np.random.default_rng(0).choice(ds.n, 300, replace=False))
    return ds.subset(rows)


def blobs(n=60, d=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5, size=(3, d))
    return (centres[np.arange(n) % 3] + rng.normal(size=(n, d))).astype(np.float32)


# --- PCA --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_pca_matches_sklearn(name, home):
    ds = datasets.load(name)
    proj = embed.project(ds, "pca", dims=2)
    ref = SkPCA(n_components=min(10, ds.dim)).fit(ds.vectors.astype(np.float64))  # the chart gets >= 10
    scale = np.abs(ref.transform(ds.vectors)).max()
    same_up_to_sign(proj.coords, ref.transform(ds.vectors)[:, :2], atol=1e-4 * scale)
    np.testing.assert_allclose(proj.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-4, atol=1e-8)
    assert proj.coords.shape == (ds.n, 2) and proj.coords.dtype == np.float32
    assert proj.dims == 2 and proj.method == "pca" and not proj.cached


def test_pca_on_random_data_and_3d(home):
    x = np.random.default_rng(5).normal(size=(80, 7)) @ np.diag([5, 4, 3, 2, 1, 0.5, 0.1])
    proj = embed.project(x, "pca", dims=3)
    ref = SkPCA(n_components=7).fit(x)
    same_up_to_sign(proj.coords, ref.transform(x)[:, :3], atol=1e-3)
    assert proj.coords.shape == (80, 3)
    assert len(proj.explained_variance_ratio) == 7  # every component (fewer than 10 exist)


def test_pca_axes_pick_components_1_and_3(home):
    ds = datasets.load("wine")
    proj = embed.project(ds, "pca", dims=2, params={"axes": [1, 3]})
    ref = SkPCA(n_components=10).fit(ds.vectors.astype(np.float64))
    full = ref.transform(ds.vectors)
    same_up_to_sign(proj.coords, full[:, [0, 2]], atol=1e-4 * np.abs(full).max())
    np.testing.assert_allclose(proj.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-4, atol=1e-8)
    assert len(proj.explained_variance_ratio) == 10  # wine has 13 dimensions; the first 10 are charted
    assert proj.params["axes"] == (1, 3)
    # a different choice of axes is a different projection (and a different cache entry)
    other = embed.project(ds, "pca", dims=2, params={"axes": (2, 3)})
    assert not other.cached
    same_up_to_sign(other.coords, full[:, [1, 2]], atol=1e-4 * np.abs(full).max())


def test_pca_explained_variance_ratio_is_sorted_and_sums_below_one(home):
    evr = embed.project(datasets.load("iris"), "pca").explained_variance_ratio
    assert evr[0] > evr[1] > evr[2] > evr[3] > 0 and evr.sum() == pytest.approx(1.0, abs=1e-5)  # all 4 kept
    np.testing.assert_allclose(evr[:2], [0.9246, 0.0531], atol=1e-3)  # Fisher's iris, well known


def test_pca_estimator_transform_matches_fit():
    x = blobs()
    est = PCA(n_components=2).fit(x)
    np.testing.assert_allclose(est.transform(x), est.embedding_, atol=1e-5)
    assert est.axes_ == (1, 2)


@pytest.mark.parametrize("axes, message", [
    ((1, 5), r"axes=\(1, 5\) must name 2 components, each between 1 and min\(n_samples, n_features\)=4"),
    ((1,), r"axes=\(1,\) must name 2 components"),
    ((0, 1), r"axes=\(0, 1\) must name 2 components"),
])
def test_pca_bad_axes(axes, message, home):
    with pytest.raises(InputError, match=message):
        embed.project(datasets.load("iris"), "pca", params={"axes": axes})


# --- t-SNE ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tsne_twice(digits300):
    """Two uncached seeded runs of the same 2-D t-SNE (the expensive part, done once for the module)."""
    a = embed.project(digits300, "tsne", seed=7, params={"n_iter": 100}, use_cache=False)
    b = embed.project(digits300, "tsne", seed=7, params={"n_iter": 100}, use_cache=False)
    return a, b


def test_tsne_is_trustworthy_on_digits(tsne_twice, digits300):
    a, _ = tsne_twice
    assert a.coords.shape == (300, 2) and a.coords.dtype == np.float32
    assert np.isfinite(a.coords).all()
    assert trustworthiness(digits300.vectors, a.coords, k=10) > 0.9
    # digits of the same class end up together: most 5-NN in the picture share the label
    from core.neighbors import knn_graph

    nn = knn_graph(a.coords, 5, "euclidean")
    labels = digits300.labels
    assert (labels[nn] == labels[:, None]).mean() > 0.85


def test_tsne_same_seed_same_picture(tsne_twice):
    a, b = tsne_twice
    np.testing.assert_array_equal(a.coords, b.coords)
    assert a.params == b.params and a.params["random_state"] == 7 and a.params["n_iter"] == 100


def test_tsne_3d_and_the_seed_matters(digits300):
    x = digits300.vectors[:150]
    params = {"n_iter": 100, "perplexity": 20, "n_jobs": 1}
    one = embed.project(x, "tsne", dims=3, seed=1, params=params, use_cache=False)
    again = embed.project(x, "tsne", dims=3, seed=1, params=params, use_cache=False)
    other = embed.project(x, "tsne", dims=3, seed=2, params=params, use_cache=False)
    assert one.coords.shape == (150, 3)
    np.testing.assert_array_equal(one.coords, again.coords)
    assert not np.allclose(one.coords, other.coords)
    assert trustworthiness(x, one.coords, k=10) > 0.9


def test_tsne_reports_progress(digits300):
    seen = []
    TSNE(n_components=3, n_iter=50, perplexity=10, n_jobs=1).fit(digits300.vectors[:60], progress=seen.append)
    assert seen[-1] == 1.0
    assert len(seen) > 2 and all(0 <= p <= 1 for p in seen) and seen == sorted(seen)


# --- UMAP -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def umap_runs(digits300):
    x = digits300.vectors
    return {
        "a": UMAP(random_state=3).fit_transform(x),
        "b": UMAP(random_state=3).fit_transform(x),
        "other": UMAP(random_state=4).fit_transform(x),
        "3d": UMAP(n_components=3, random_state=3, n_neighbors=10).fit_transform(x),
    }


def test_umap_is_trustworthy_and_seeded(umap_runs, digits300):
    a = umap_runs["a"]
    assert a.shape == (300, 2) and a.dtype == np.float32 and np.isfinite(a).all()
    assert trustworthiness(digits300.vectors, a, k=10) > 0.9
    np.testing.assert_array_equal(a, umap_runs["b"])
    assert not np.allclose(a, umap_runs["other"])


def test_umap_3d(umap_runs, digits300):
    c = umap_runs["3d"]
    assert c.shape == (300, 3) and np.isfinite(c).all()
    assert trustworthiness(digits300.vectors, c, k=10) > 0.9


def test_umap_through_project_is_cached(home, digits300, umap_runs):
    first = embed.project(digits300, "umap", seed=3)
    second = embed.project(digits300, "umap", seed=3)
    assert not first.cached and second.cached
    np.testing.assert_array_equal(first.coords, umap_runs["a"])
    np.testing.assert_array_equal(second.coords, first.coords)
    assert first.params == {"n_components": 2, "n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean",
                            "random_state": 3}


# --- parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, dims, params, message", [
    ("tsne", 2, {"perplexity": 34}, r"perplexity=34 must be between 1 and \(n-1\)/3=33 for n=100"),
    ("tsne", 2, {"perplexity": 0.5}, r"perplexity=0\.5 must be between 1 and"),
    ("tsne", 2, {"n_iter": 10}, r"n_iter=10 must be between 50 and 5000"),
    ("tsne", 2, {"metric": "manhattan"}, r"metric='manhattan' must be 'euclidean' or 'cosine'"),
    ("umap", 2, {"n_neighbors": 100}, r"n_neighbors=100 must be between 2 and n-1=99"),
    ("umap", 2, {"n_neighbors": 1}, r"n_neighbors=1 must be between 2 and n-1=99"),
    ("umap", 2, {"min_dist": 1.5}, r"min_dist=1\.5 must be between 0 and 1"),
    ("umap", 2, {"metric": "hamming"}, r"metric='hamming' must be 'euclidean' or 'cosine'"),
    ("pca", 4, {}, r"n_components=4 must be 2 or 3"),
    ("tsne", 4, {}, r"n_components=4 must be 2 or 3"),
    ("umap", 1, {}, r"n_components=1 must be 2 or 3"),
    ("mds", 2, {}, r"method='mds' is not known; choose one of pca, tsne, umap"),
    ("tsne", 2, {"early_exaggeration": 10},
     r"tsne has no parameter early_exaggeration; it takes learning_rate, metric, n_iter, n_jobs, perplexity"),
    ("umap", 2, {"perplexity": 5}, r"umap has no parameter perplexity; it takes metric, min_dist, n_neighbors"),
    ("pca", 2, {"whiten": True}, r"pca has no parameter whiten; it takes axes"),
])
def test_invalid_parameters_name_themselves(method, dims, params, message, home):
    x = blobs(n=100)
    with pytest.raises(InputError, match=message):
        embed.project(x, method, dims=dims, params=params)
    assert not (home / "cache" / "projections").exists() or not any((home / "cache" / "projections").iterdir())


@pytest.mark.parametrize("x, message", [
    (np.ones((2, 4)), r"a projection needs a 2-D array of at least 3 rows, got shape \(2, 4\)"),
    (np.ones(5), r"a projection needs a 2-D array of at least 3 rows, got shape \(5,\)"),
    (np.array([[1.0, 2], [np.nan, 1], [0, 0], [1, 1]]), r"the vectors contain NaN or infinite values"),
])
@pytest.mark.parametrize("cls", [PCA, TSNE, UMAP])
def test_unusable_arrays(cls, x, message):
    with pytest.raises(InputError, match=message):
        cls().fit(x)


def test_make_projector_passes_parameters():
    est = make_projector("tsne", n_components=3, random_state=5, perplexity=12.0)
    assert isinstance(est, TSNE)
    assert (est.n_components, est.random_state, est.perplexity) == (3, 5, 12.0)


# --- the disk cache ---------------------------------------------------------------------------------------


def test_second_call_is_cached_with_identical_coordinates(home):
    ds = datasets.load("wine")
    first = embed.project(ds, "pca", seed=0)
    second = embed.project(ds, "pca", seed=0)
    assert not first.cached and second.cached
    np.testing.assert_array_equal(first.coords, second.coords)
    np.testing.assert_array_equal(first.explained_variance_ratio, second.explained_variance_ratio)
    assert second.seconds == pytest.approx(first.seconds)  # the fit time is remembered
    assert len(list((home / "cache" / "projections").glob("*.json"))) == 1


def test_cache_misses_on_another_seed_method_parameter_or_data(home):
    ds = datasets.load("iris")
    x = blobs(n=40)
    embed.project(ds, "pca", seed=0)
    assert not embed.project(ds, "pca", seed=1).cached
    assert not embed.project(ds, "pca", dims=3).cached
    assert not embed.project(ds, "pca", params={"axes": (2, 3)}).cached
    assert not embed.project(ds.subset(slice(0, 100)), "pca").cached
    t1 = embed.project(x, "tsne", dims=3, params={"perplexity": 5, "n_iter": 50, "n_jobs": 1})
    assert not t1.cached
    assert not embed.project(x, "tsne", dims=3, params={"perplexity": 6, "n_iter": 50, "n_jobs": 1}).cached
    # the same parameters spelled otherwise (order, 5 or 5.0, thread count) hit the same entry
    assert embed.project(x, "tsne", dims=3, params={"n_iter": 50.0, "perplexity": 5.0}).cached
    assert embed.project(ds, "pca", seed=1).cached
    assert len(list((home / "cache" / "projections").glob("*.json"))) == 7


def test_the_cache_is_keyed_by_content_not_by_name(home):
    ds = datasets.load("iris")
    first = embed.project(ds, "pca")
    as_array = embed.project(ds.vectors.copy(), "pca")
    assert as_array.cached
    np.testing.assert_array_equal(first.coords, as_array.coords)
    changed = ds.vectors.copy()
    changed[0, 0] += 0.5
    assert not embed.project(changed, "pca").cached


def test_use_cache_false_neither_reads_nor_writes(home):
    ds = datasets.load("iris")
    embed.project(ds, "pca", use_cache=False)
    root = home / "cache" / "projections"
    assert not root.exists() or not any(root.iterdir())
    embed.project(ds, "pca")
    assert not embed.project(ds, "pca", use_cache=False).cached


@pytest.mark.parametrize("damage", ["garbage npz", "truncated npz", "garbage json", "missing npz"])
def test_a_damaged_cache_entry_is_recomputed(home, damage):
    ds = datasets.load("iris")
    first = embed.project(ds, "pca")
    root = home / "cache" / "projections"
    (npz,), (info,) = root.glob("*.npz"), root.glob("*.json")
    if damage == "garbage npz":
        npz.write_bytes(b"garbage")
    elif damage == "truncated npz":
        npz.write_bytes(npz.read_bytes()[:200])
    elif damage == "garbage json":
        info.write_text("{not json")
    else:
        npz.unlink()
    again = embed.project(ds, "pca")
    assert not again.cached
    np.testing.assert_allclose(again.coords, first.coords)
    assert embed.project(ds, "pca").cached


def test_cache_progress_is_reported_on_a_hit(home):
    ds = datasets.load("iris")
    embed.project(ds, "pca")
    seen = []
    assert embed.project(ds, "pca", progress=seen.append).cached
    assert seen == [1.0]


def test_the_cache_keeps_at_most_the_configured_entries(home, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE_ENTRIES", "2")
    for seed in range(4):
        embed.project(blobs(n=20), "pca", seed=seed)
    root = home / "cache" / "projections"
    assert len(list(root.glob("*.json"))) == 2
    assert len(list(root.glob("*.npz"))) == 2
    assert not any(p.name.startswith(".") for p in root.iterdir())  # no temporary files left


def test_cache_key_is_stable_and_order_free():
    a = cache.cache_key("h", "tsne", {"perplexity": 5, "n_iter": 50})
    b = cache.cache_key("h", "tsne", {"n_iter": 50, "perplexity": 5})
    assert a == b and len(a) == 32
    assert a != cache.cache_key("h2", "tsne", {"perplexity": 5, "n_iter": 50})
    assert a != cache.cache_key("h", "umap", {"perplexity": 5, "n_iter": 50})
    assert a == cache.cache_key("h", "tsne", {"perplexity": 5.0, "n_iter": np.int64(50)})
    assert a != cache.cache_key("h", "tsne", {"perplexity": 5.5, "n_iter": 50})
    axes = cache.cache_key("h", "pca", {"axes": (1, 3)})
    assert axes == cache.cache_key("h", "pca", {"axes": [1, 3]}) != cache.cache_key("h", "pca", {"axes": (1, 2)})


def test_a_new_process_finds_the_cached_projection(home, tmp_path):
    first = embed.project(datasets.load("wine"), "pca", dims=3, seed=4)
    assert not first.cached
    out = tmp_path / "coords.npy"
    script = textwrap.dedent(f"""
        import json, numpy as np
        from core import datasets, embed
        p = embed.project(datasets.load("wine"), "pca", dims=3, seed=4)
        np.save({str(out)!r}, p.coords)
        print(json.dumps({{"cached": p.cached}}))
    """)
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"cached": True}
    np.testing.assert_array_equal(np.load(out), first.coords)


# --- pretrained encoders ---------------------------------------------------------------------------------


def test_unknown_encoder():
    from core.embed.encoders import get_encoder

    with pytest.raises(InputError, match=r"encoder 'bert' is not known; choose one of minilm, efficientnet-lite0"):
        get_encoder("bert")


@pytest.mark.slow
def test_minilm_sentence_vectors():
    from core.embed.encoders import get_encoder

    enc = get_encoder("minilm")
    assert enc.device == "cpu"
    seen = []
    v = enc(["a cat sits on the mat", "a kitten rests on a rug", "stock markets fell sharply"], progress=seen.append)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] + 0.3
    assert sim[0, 1] > sim[1, 2] + 0.3
    assert seen == [1.0]
    assert get_encoder("minilm") is enc  # loaded once per process
    np.testing.assert_allclose(enc(["a cat sits on the mat"])[0], v[0], atol=1e-5)  # deterministic


@pytest.mark.slow
def test_efficientnet_lite0_image_features():
    from PIL import Image

    from core.embed.encoders import get_encoder

    enc = get_encoder("efficientnet-lite0")
    rng = np.random.default_rng(0)
    stripes = np.zeros((48, 64, 3), np.uint8)
    stripes[::4] = 255
    images = [Image.fromarray(stripes), Image.fromarray(rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)).convert("L")]
    feats = enc(images)
    assert feats.shape == (2, 1280) and feats.dtype == np.float32
    assert np.isfinite(feats).all()
    assert not np.allclose(feats[0], feats[1])
    np.testing.assert_allclose(enc(images[:1])[0], feats[0], rtol=1e-4, atol=1e-4)


def test_projection_quality_is_cached_beside_the_projection(home, monkeypatch):
    from core import embed, metrics

    x = np.random.default_rng(3).normal(size=(120, 6)).astype(np.float32)
    proj = embed.project(x, "pca")
    first = embed.projection_quality(x, proj, k=5)
    assert first.trustworthiness == pytest.approx(metrics.trustworthiness(x, proj.coords, k=5))
    monkeypatch.setattr(metrics, "quality", lambda *a, **k: pytest.fail("recomputed instead of read from cache"))
    again = embed.projection_quality(x, embed.project(x, "pca"), k=5)
    assert again.trustworthiness == first.trustworthiness
    np.testing.assert_array_equal(again.knn_recall_per_point, first.knn_recall_per_point)
