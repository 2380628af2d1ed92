"""The registry of built-in datasets: shapes, labels, images, the catalogue, and unknown names."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core import datasets
from core.datasets import REGISTRY, builtin
from core.datasets.base import Dataset, make_meta
from core.errors import InputError
from core.neighbors import NeighborIndex

SMALL = {"glove-5k": (5000, 50), "digits": (1797, 64), "mnist-5k": (5000, 784), "faces": (400, 4096),
         "iris": (150, 4), "wine": (178, 13)}


@pytest.fixture(scope="module")
def glove():
    return datasets.load("glove-5k")


def test_glove_5k_shape_words_and_ids(glove):
    assert glove.vectors.shape == (5000, 50)
    assert glove.vectors.dtype == np.float32
    assert list(glove.ids[:3]) == ["the", ",", "."]
    assert (glove.labels == glove.ids).all()
    assert glove.meta["id"].is_unique
    assert glove.meta["frequency_rank"].tolist()[:3] == [1, 2, 3]
    assert glove.texts[:3] == ["the", ",", "."]
    for word in ("king", "queen", "man", "woman"):
        assert word in set(glove.ids)


def test_glove_king_minus_man_plus_woman_is_queen(glove):
    row = {w: i for i, w in enumerate(glove.ids)}
    v = glove.vectors
    query = v[row["king"]] - v[row["man"]] + v[row["woman"]]
    for metric in ("cosine", "euclidean"):
        res = NeighborIndex(v, metric=metric).query_vector(query, k=10)
        words = [glove.ids[i] for i in res.indices if glove.ids[i] not in ("king", "man", "woman")]
        assert words[0] == "queen", (metric, words)
        assert (np.diff(res.distances) >= -1e-6).all()


def test_glove_sizes_are_prefixes_of_each_other(glove):
    assert REGISTRY["glove"].sizes == {"5k": 5_000, "20k": 20_000, "100k": 100_000, "400k": 400_000}
    bigger = datasets.load("glove-20k")
    assert bigger.n == 20_000 and bigger.name == "glove-20k"
    np.testing.assert_array_equal(bigger.vectors[:5000], glove.vectors)
    assert datasets.load("glove").n == 20_000  # the default size


def test_glove_unknown_size_is_refused():
    with pytest.raises(InputError, match=r"glove size='7k' is not offered; choose one of 5k, 20k, 100k, 400k"):
        builtin.load_glove("7k")


def test_digits():
    ds = datasets.load("digits")
    assert ds.vectors.shape == (1797, 64)
    assert sorted(set(ds.labels)) == [str(d) for d in range(10)]
    assert ds.images.shape == (1797, 8, 8) and ds.images.dtype == np.uint8
    assert ds.images.max() == 255 and ds.images.min() == 0
    assert ds.vectors.max() == 16.0
    # the picture is the vector, rescaled
    np.testing.assert_array_equal(ds.images[5], (ds.vectors[5].reshape(8, 8) * (255 / 16)).astype(np.uint8))


def test_mnist_5k_has_500_per_class():
    ds = datasets.load("mnist-5k")
    assert ds.vectors.shape == (5000, 784)
    counts = pd.Series(ds.labels).value_counts()
    assert sorted(counts.index) == [str(d) for d in range(10)]
    assert (counts == 500).all()
    assert 0.0 <= ds.vectors.min() and ds.vectors.max() == pytest.approx(1.0)
    assert ds.images.shape == (5000, 28, 28) and ds.images.dtype == np.uint8
    assert ds.images.max() == 255
    np.testing.assert_allclose(ds.images[7].reshape(-1) / 255.0, ds.vectors[7], atol=1e-6)


def test_faces_400_images_of_40_people():
    ds = datasets.load("faces")
    assert ds.vectors.shape == (400, 4096)
    assert ds.images.shape == (400, 64, 64) and ds.images.dtype == np.uint8
    counts = pd.Series(ds.labels).value_counts()
    assert len(counts) == 40 and (counts == 10).all()
    assert ds.labels[0] == "person 01" and ds.labels[-1] == "person 40"
    assert ds.ids[0] == "s1/1" and ds.ids[-1] == "s40/10"
    assert ds.meta["shot"].tolist()[:10] == list(range(1, 11))
    np.testing.assert_allclose(ds.images[3].reshape(-1) / 255.0, ds.vectors[3], atol=1e-6)


@pytest.mark.parametrize("name, n, dim, classes", [("iris", 150, 4, ["setosa", "versicolor", "virginica"]),
                                                    ("wine", 178, 13, ["class_0", "class_1", "class_2"])])
def test_sklearn_tables(name, n, dim, classes):
    ds = datasets.load(name)
    assert ds.vectors.shape == (n, dim)
    assert sorted(set(ds.labels)) == classes
    assert ds.images is None and ds.texts is None
    # the measurements are kept as metadata too, next to id and label
    assert list(ds.meta.columns[:2]) == ["id", "label"]
    assert len(ds.meta.columns) == 2 + dim
    np.testing.assert_allclose(ds.meta.iloc[:, 2:].to_numpy(dtype=np.float32), ds.vectors)


def test_iris_values():
    ds = datasets.load("iris")
    np.testing.assert_allclose(ds.vectors[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    assert pd.Series(ds.labels).value_counts().to_dict() == {"setosa": 50, "versicolor": 50, "virginica": 50}


def test_catalog_lists_every_builtin_with_its_size():
    rows = {r["name"]: r for r in datasets.catalog(include_workspace=False)}
    assert set(rows) == {"glove-5k", "glove-20k", "glove-100k", "glove-400k", "digits", "mnist-5k", "faces",
                         "iris", "wine", "foldoc-minilm", "ml100k-items"}
    for name, (n, dim) in SMALL.items():
        assert rows[name]["n"] == n and rows[name]["dim"] == dim, name
        assert rows[name]["description"] and rows[name]["credit"]
        assert rows[name]["source"] == "built-in"
    assert rows["glove-400k"]["n"] == 400_000
    assert "400,000" in rows["glove-400k"]["description"]


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_catalog_sizes_match_what_loads(name):
    described = datasets.describe(name)
    ds = datasets.load(name)
    assert (described["n"], described["dim"]) == ds.vectors.shape


def test_describe_does_not_load(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("describe() loaded the data")

    for name in ("faces", "glove", "mnist-5k"):
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], loader=boom))
    assert datasets.describe("faces")["n"] == 400
    assert datasets.describe("glove-100k")["n"] == 100_000
    assert datasets.describe("glove")["name"] == "glove-20k"
    assert len(datasets.catalog(include_workspace=False)) == 11
    with pytest.raises(AssertionError):
        datasets.load("faces")


def test_builtin_names():
    names = datasets.builtin_names()
    assert names[:5] == ["glove", "glove-5k", "glove-20k", "glove-100k", "glove-400k"]
    assert {"digits", "mnist-5k", "faces", "iris", "wine"} <= set(names)


@pytest.mark.parametrize("name", ["no-such-data", "glove-7k", "glove-", "IRIS", "a1b2c3d4e5f6", "../etc",
                                  "../../etc/passwd", ""])
def test_unknown_dataset_says_so(home, name):
    with pytest.raises(InputError, match=r"does not exist; choose a built-in one \(glove, glove-5k"):
        datasets.load(name)


@pytest.mark.parametrize("name", ["../etc", "no-such-data", "A1B2C3D4E5F6"])
def test_describe_of_a_malformed_id_says_it_is_not_an_id(home, name):
    with pytest.raises(InputError, match=r"is not a workspace dataset id \(12 hex digits"):
        datasets.describe(name)


def test_describe_of_a_missing_workspace_id(home):
    with pytest.raises(InputError, match=r"dataset 'a1b2c3d4e5f6' is not in this workspace"):
        datasets.describe("a1b2c3d4e5f6")


def test_missing_data_package_is_explained():
    with pytest.raises(InputError, match=r"the data package 'no_such_pkg_xyz' is not installed; run `make run`"):
        builtin.package_dir("no_such_pkg_xyz")


# --- the Dataset invariants ------------------------------------------------------------------------------


def _ds(vectors, **kw):
    return Dataset(name="t", vectors=np.asarray(vectors, dtype=np.float32), meta=make_meta(len(vectors), **kw))


def test_dataset_basics_and_row_of():
    ds = _ds([[0, 1], [1, 0], [2, 2]], labels=["a", "b", "b"], ids=["x", "y", "z"])
    assert (ds.n, ds.dim) == (3, 2)
    assert ds.vectors.flags["C_CONTIGUOUS"]
    assert ds.row_of("z") == 2  # by id
    assert ds.row_of("b") == 1  # by label, the first one
    with pytest.raises(InputError, match=r"'q' is neither an id nor a label in dataset 't'; try one of: a, b, b"):
        ds.row_of("q")


def test_subset_keeps_everything_aligned():
    ds = Dataset(name="t", vectors=np.arange(12, dtype=np.float32).reshape(4, 3),
                 meta=make_meta(4, labels=list("abcd")), images=np.arange(4 * 4, dtype=np.uint8).reshape(4, 2, 2),
                 texts=["w", "x", "y", "z"])
    sub = ds.subset(np.array([3, 1]))
    np.testing.assert_array_equal(sub.vectors, ds.vectors[[3, 1]])
    assert list(sub.labels) == ["d", "b"] and list(sub.ids) == ["3", "1"]
    assert sub.texts == ["z", "x"]
    np.testing.assert_array_equal(sub.images, ds.images[[3, 1]])


def test_content_hash_depends_on_values_and_shape():
    a = _ds([[0, 1], [1, 0], [2, 2]])
    b = _ds([[0, 1], [1, 0], [2, 2]])
    c = _ds([[0, 1], [1, 0], [2, 3]])
    d = Dataset(name="t", vectors=np.array([[0, 1, 1, 0, 2, 2]], dtype=np.float32).reshape(2, 3),
                meta=make_meta(2))
    assert a.content_hash() == b.content_hash()
    assert len({a.content_hash(), c.content_hash(), d.content_hash()}) == 3


@pytest.mark.parametrize("vectors, message", [
    (np.zeros((0, 3)), "the data has no rows"),
    (np.zeros((1, 3)), "the data has only 1 row"),
    (np.zeros((3, 1)), "the vectors have only 1 column"),
    (np.zeros(3), r"vectors must be a 2-D table \(rows x dimensions\), got shape \(3,\)"),
    (np.array([[0, 1], [np.nan, 1], [0, np.inf]]), r"2 vector\(s\) contain NaN or infinite values \(rows 2, 3\)"),
])
def test_dataset_invariants(vectors, message):
    with pytest.raises(InputError, match=message):
        Dataset(name="t", vectors=vectors, meta=make_meta(len(vectors)))


def test_dataset_checks_meta_images_and_texts():
    v = np.zeros((3, 2))
    with pytest.raises(InputError, match="metadata has 2 rows but there are 3 vectors"):
        Dataset(name="t", vectors=v, meta=make_meta(2))
    with pytest.raises(InputError, match=r"id '1' appears 2 times \(rows 2, 3\); ids must be unique"):
        Dataset(name="t", vectors=v, meta=make_meta(3, ids=[0, 1, 1]))
    with pytest.raises(InputError, match="there are 2 images for 3 vectors"):
        Dataset(name="t", vectors=v, meta=make_meta(3), images=np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(InputError, match="there are 1 texts for 3 vectors"):
        Dataset(name="t", vectors=v, meta=make_meta(3), texts=["a"])
    with pytest.raises(InputError, match="metadata needs an 'id' column"):
        Dataset(name="t", vectors=v, meta=pd.DataFrame({"label": ["a", "b", "c"]}))


def test_make_meta_puts_id_and_label_first_as_strings():
    meta = make_meta(3, labels=[1, 2, 3], extra=pd.DataFrame({"x": [0.5, 1.5, 2.5], "label": ["old"] * 3}))
    assert list(meta.columns) == ["id", "label", "x"]
    assert meta["id"].tolist() == ["0", "1", "2"]
    assert meta["label"].tolist() == ["1", "2", "3"]
    assert meta["x"].tolist() == [0.5, 1.5, 2.5]
    assert make_meta(2)["label"].tolist() == ["0", "1"]  # no labels: the id is the label


def test_foldoc_minilm_is_the_search_labs_vectors_labelled_by_category():
    from core.search.corpus import load_corpus

    try:
        corpus = load_corpus("foldoc")
    except InputError as exc:
        pytest.skip(str(exc))
    ds = datasets.load("foldoc-minilm")
    assert ds.vectors.shape == (corpus.n, 384) == (datasets.describe("foldoc-minilm")["n"], 384)
    assert np.allclose(np.linalg.norm(ds.vectors, axis=1), 1.0, atol=1e-3)
    assert ds.meta["id"].tolist() == corpus.ids
    labels = ds.meta["label"].value_counts()
    assert len(labels) == 14 and labels.index[0] in ("none", "language")  # 12 categories, "other", "none"
    row = corpus.row_of("Python")
    assert ds.meta["category"][row] == "language"


def test_ml100k_items_are_the_recommenders_item_factors():
    from core.recommend.data import load_movielens

    ratings = load_movielens()
    ds = datasets.load("ml100k-items")
    assert ds.vectors.shape == (1682, 64) == (datasets.describe("ml100k-items")["n"], 64)
    assert ds.meta["title"][0] == "Toy Story (1995)" and ds.meta["label"][0] == "Animation"
    assert ds.meta["decade"][49] == "1970s" and ds.meta["ratings"][49] == 583  # Star Wars
    assert ds.meta["id"].tolist() == ratings.item_ids
    # its nearest movie by factor cosine is the recommender's first similar item
    from core.recommend.models import make_model

    model = make_model("implicit-als").fit(ratings.matrix)
    unit = ds.vectors / np.linalg.norm(ds.vectors, axis=1, keepdims=True)
    sims = unit @ unit[49]
    sims[49] = -1
    assert int(np.argmax(sims)) == int(model.similar_items(49, k=1).items[0])
