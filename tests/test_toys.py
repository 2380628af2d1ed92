"""The lesson's toy data: shapes, ground truth and seeds."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets.toys import TOYS, make_toy
from core.errors import InputError


@pytest.mark.parametrize("name, dim, classes", [("cluster-sizes", 10, 2), ("cluster-distances", 50, 3),
                                                ("rings", 2, 2), ("swiss-roll", 3, 4), ("noise", 100, 1)])
def test_each_toy_has_its_shape_and_ground_truth(name, dim, classes):
    ds = make_toy(name, n=300)
    assert ds.vectors.shape == (300, dim) and ds.vectors.dtype == np.float32
    assert ds.meta["label"].nunique() == classes and ds.name == f"toy-{name}"
    assert ds.description and "EmbedLab" in ds.credit


def test_seeds_repeat_and_differ():
    a, b, c = make_toy("noise", 100, seed=1), make_toy("noise", 100, seed=1), make_toy("noise", 100, seed=2)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)


def test_cluster_distances_are_what_the_lesson_says():
    ds = make_toy("cluster-distances", n=600)
    centre = {k: ds.vectors[ds.labels == k].mean(axis=0) for k in "ABC"}
    ab, bc = np.linalg.norm(centre["A"] - centre["B"]), np.linalg.norm(centre["B"] - centre["C"])
    assert ab == pytest.approx(10, abs=0.6) and bc == pytest.approx(50, abs=0.6)


def test_cluster_sizes_differ_in_count_and_spread():
    ds = make_toy("cluster-sizes", n=600)
    big, small = ds.vectors[ds.labels == "big, spread"], ds.vectors[ds.labels == "small, tight"]
    assert len(big) == 5 * len(small)
    assert big.std(axis=0).mean() / small.std(axis=0).mean() == pytest.approx(10, rel=0.15)


def test_rings_have_radii_one_and_three():
    ds = make_toy("rings", n=600)
    r = np.linalg.norm(ds.vectors, axis=1)
    assert np.abs(r[ds.labels == "inner ring"] - 1).max() < 0.25
    assert np.abs(r[ds.labels == "outer ring"] - 3).max() < 0.25


def test_swiss_roll_carries_its_position():
    ds = make_toy("swiss-roll", n=400)
    t = ds.meta["t"].to_numpy()
    assert t.min() >= 1.5 * np.pi - 1e-3 and t.max() <= 4.5 * np.pi + 1e-3  # scikit-learn's range
    assert ds.meta.groupby("label")["t"].mean().is_monotonic_increasing


def test_bad_requests_are_refused():
    with pytest.raises(InputError, match="toy 'moons' is not known; choose one of " + ", ".join(TOYS)):
        make_toy("moons")
    with pytest.raises(InputError, match="n=5 must be a whole number from 30 to 20000"):
        make_toy("noise", n=5)
