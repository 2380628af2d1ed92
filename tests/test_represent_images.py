"""Image collections: features cached on disk, "more like this", the map snapped to a grid."""

from __future__ import annotations

import io
import itertools
import zipfile

import numpy as np
import pytest

from core.datasets import parsers, workspace
from core.errors import InputError
from core.represent import images

PROJ = np.random.default_rng(0).normal(size=(64, images.DIM)).astype(np.float32)


def _fake(pictures, progress=None):
    """A deterministic stand-in for EfficientNet-Lite0: 8x8 grey pixels through a fixed random projection."""
    small = np.stack([np.asarray(p.convert("L").resize((8, 8)), dtype=np.float32).ravel() for p in pictures])
    if progress:
        progress(1.0)
    return small @ PROJ


@pytest.fixture
def fake_encoder(monkeypatch):
    calls = []

    def encoder():
        calls.append(1)
        return _fake

    monkeypatch.setattr(images, "_encoder", encoder)
    return calls


def test_features_are_computed_once_then_read_from_disk(home, fake_encoder, monkeypatch):
    seen = []
    first = images.image_features("digits-500", progress=seen.append)
    assert first.shape == (500, images.DIM) and first.dtype == np.float32
    assert len(fake_encoder) == 1 and seen[-1] == 1.0
    assert images.features_cached("digits-500")

    def broken():
        raise AssertionError("the encoder must not run for a collection already seen")

    monkeypatch.setattr(images, "_encoder", broken)
    again = images.image_features("digits-500")
    np.testing.assert_array_equal(again, first)
    assert list((home / "cache" / "image-features").glob("*.npy"))


def test_the_cache_key_follows_the_pixels():
    a = np.zeros((3, 8, 8), dtype=np.uint8)
    b = a.copy()
    b[1, 2, 3] = 1
    assert images.images_hash(a) == images.images_hash(a.copy())
    assert images.images_hash(a) != images.images_hash(b)
    assert images.images_hash(a) != images.images_hash(a.reshape(3, 4, 16))


def test_a_damaged_cache_file_is_computed_again(home, fake_encoder):
    feats = images.image_features("digits-500")
    path = images._cache_path(images.images_hash(images.load_collection("digits-500").images))
    path.write_bytes(b"not an array")
    np.testing.assert_array_equal(images.image_features("digits-500"), feats)
    assert len(fake_encoder) == 2


def test_collections_are_subsets_with_their_pictures():
    digits = images.load_collection("digits-500")
    assert digits.n == 500 and digits.images.shape == (500, 8, 8)
    mnist = images.load_collection("mnist-1k")
    assert mnist.n == 1000 and mnist.images.shape == (1000, 28, 28)
    assert sorted(np.unique(mnist.labels).astype(int)) == list(range(10))


def test_more_like_this_agrees_with_brute_force_cosine():
    feats = np.random.default_rng(1).normal(size=(60, 16)).astype(np.float32)
    rows, scores = images.more_like_this(feats, 7, k=5)
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    cos = unit @ unit[7]
    expected = [j for j in np.argsort(-cos) if j != 7][:5]
    assert rows.tolist() == expected
    np.testing.assert_allclose(scores, cos[expected], rtol=1e-5)
    assert 7 not in rows and np.all(np.diff(scores) <= 0)


def test_more_like_this_finds_a_near_duplicate():
    feats = np.random.default_rng(2).normal(size=(20, 8)).astype(np.float32)
    feats[13] = feats[4] * 3 + 0.01  # same direction, other length
    assert images.more_like_this(feats, 4, k=1)[0].tolist() == [13]


@pytest.mark.parametrize("index", [-1, 400, 2.5, "3", True])
def test_a_bad_image_index_is_explained(index):
    feats = np.ones((400, 4), dtype=np.float32)
    with pytest.raises(InputError, match="image index .* use a whole number from 0 to 399"):
        images.more_like_this(feats, index, k=3)


def test_a_bad_k_is_explained():
    with pytest.raises(InputError, match="k=0 must be between 1 and 9"):
        images.more_like_this(np.ones((10, 4), dtype=np.float32), 0, k=0)


def test_an_unknown_collection_is_explained(home):
    with pytest.raises(InputError, match="image collection 'cats' does not exist; choose one of faces"):
        images.image_features("cats")


def test_a_dataset_without_images_is_refused(home):
    from core import datasets

    ws_id = workspace.save(datasets.load("iris"))
    with pytest.raises(InputError, match="has no images"):
        images.load_collection(ws_id)
    assert ws_id not in images.collection_names()


def test_same_label_share():
    labels = np.array(["a", "a", "b", "a", "c"])
    assert images.same_label_share(labels, 0, np.array([1, 2, 3, 4])) == 0.5


def test_grid_layout_is_a_permutation_that_beats_random_cells():
    coords = np.random.default_rng(3).normal(size=(30, 2))
    rows, cols = images.grid_shape(30)
    assert (rows, cols) == (5, 6)
    cells = images.grid_layout(coords, rows, cols)
    assert cells.shape == (30,) and len(set(cells.tolist())) == 30 and cells.min() >= 0 and cells.max() < 30
    best = images.assignment_cost(coords, cells, rows, cols)
    rng = np.random.default_rng(4)
    random_costs = [images.assignment_cost(coords, rng.permutation(rows * cols)[:30], rows, cols) for _ in range(50)]
    assert best < min(random_costs)


def test_grid_layout_is_the_optimal_assignment():
    coords = np.random.default_rng(5).normal(size=(5, 2))
    cells = images.grid_layout(coords, 2, 3)
    brute = min(images.assignment_cost(coords, np.array(p), 2, 3) for p in itertools.permutations(range(6), 5))
    assert images.assignment_cost(coords, cells, 2, 3) == pytest.approx(brute)


def test_points_already_on_a_grid_keep_their_cells():
    rows, cols = 3, 4
    r, c = np.divmod(np.arange(12), cols)
    coords = np.column_stack([c, -r]).astype(float)  # row 0 on top: y goes down as rows go on
    order = np.random.default_rng(6).permutation(12)
    assert images.grid_layout(coords[order], rows, cols).tolist() == order.tolist()


def test_a_grid_too_small_is_explained():
    with pytest.raises(InputError, match="a 2x2 grid has 4 cells for 5 images"):
        images.grid_layout(np.zeros((5, 2)), 2, 2)
    with pytest.raises(InputError, match=r"must be an \(n, 2\) array"):
        images.grid_layout(np.zeros((5, 3)), 3, 3)


def test_an_uploaded_image_zip_is_a_collection_with_its_own_features(home, fake_encoder, monkeypatch):
    from PIL import Image

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(6):
            pic = io.BytesIO()
            Image.fromarray(np.full((20, 20, 3), i * 40, dtype=np.uint8)).save(pic, format="PNG")
            zf.writestr(f"{'dark' if i < 3 else 'light'}/{i}.png", pic.getvalue())
    ds = parsers.parse_image_zip(buf.getvalue(), "shades.zip", encoder=_fake)
    ws_id = workspace.save(ds, source="upload")
    assert ws_id in images.collection_names()
    monkeypatch.setattr(images, "_encoder", lambda: pytest.fail("an upload's features are reused, not recomputed"))
    np.testing.assert_allclose(images.image_features(ws_id), ds.vectors)
    feature_id = workspace.save(images.features_dataset("digits-500", np.ones((500, images.DIM), np.float32)),
                                source=images.SOURCE)
    assert feature_id not in images.collection_names()
