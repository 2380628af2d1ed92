"""Parameter sweeps (core.embed.sweeps): the registry, the values that fit the data, and running one."""

from __future__ import annotations

import numpy as np
import pytest

from core import embed
from core.datasets.toys import make_toy
from core.embed.sweeps import SWEEPS, Sweep, check_sweep, run_sweep, usable_values
from core.errors import InputError


@pytest.fixture(scope="module")
def rings():
    return make_toy("rings", n=90)


def test_every_sweep_names_a_known_method_and_labels_its_values():
    assert set(SWEEPS) == {"perplexity", "n_neighbors", "min_dist", "tsne-seed", "umap-seed"}
    for name, sweep in SWEEPS.items():
        assert sweep.name == name and sweep.method in embed.METHODS
        assert sweep.title and sweep.lesson and len(sweep.values) >= 4
        assert list(sweep.values) == sorted(sweep.values)
        labels = [sweep.label(v) for v in sweep.values]
        assert len(set(labels)) == len(labels), labels  # one label per value: the slider's options
        assert sweep.param not in sweep.fixed  # the varying parameter is not also held fixed
    assert SWEEPS["perplexity"].label(30) == "perplexity 30"
    assert SWEEPS["n_neighbors"].label(15) == "n_neighbors 15"
    assert SWEEPS["min_dist"].label(0.25) == "min dist 0.25" and SWEEPS["min_dist"].label(0.0) == "min dist 0"
    assert SWEEPS["tsne-seed"].label(2) == "seed 2"
    assert check_sweep("umap-seed") is SWEEPS["umap-seed"]


def test_a_label_of_a_float_drops_trailing_zeros():
    sweep = Sweep("x", "X", "tsne", "learning_rate", (10.0, 200.5))
    assert [sweep.label(v) for v in sweep.values] == ["learning rate 10", "learning rate 200.5"]


@pytest.mark.parametrize("n, expected", [(7, (2,)), (30, (2, 5)), (90, (2, 5, 10)), (150, (2, 5, 10, 30)),
                                         (301, (2, 5, 10, 30, 50, 100)), (300, (2, 5, 10, 30, 50))])
def test_perplexities_above_a_third_of_the_points_are_dropped(n, expected):
    assert usable_values(SWEEPS["perplexity"], n) == expected
    assert all(v <= (n - 1) / 3 for v in expected)


@pytest.mark.parametrize("n, expected", [(3, ()), (4, (3,)), (15, (3, 5, 10)), (16, (3, 5, 10, 15)),
                                         (100, (3, 5, 10, 15, 50)), (101, (3, 5, 10, 15, 50, 100))])
def test_n_neighbors_of_at_least_the_points_are_dropped(n, expected):
    assert usable_values(SWEEPS["n_neighbors"], n) == expected


@pytest.mark.parametrize("name", ["min_dist", "tsne-seed", "umap-seed"])
def test_other_sweeps_keep_every_value(name):
    assert usable_values(SWEEPS[name], 200) == SWEEPS[name].values


@pytest.mark.parametrize("name, n", [("min_dist", 15), ("umap-seed", 15), ("tsne-seed", 90)])
def test_a_fixed_parameter_too_big_for_the_data_leaves_nothing(name, n):
    assert usable_values(SWEEPS[name], n) == () and usable_values(SWEEPS[name], n + 1) == SWEEPS[name].values


def test_a_sweep_returns_one_labelled_map_per_value_and_reports_progress(rings, home):
    seen: list[float] = []
    out = run_sweep(rings, "perplexity", progress=seen.append, values=(5, 10))
    assert [label for label, _ in out] == ["perplexity 5", "perplexity 10"]
    for _, coords in out:
        assert coords.shape == (90, 2) and np.isfinite(coords).all()
    assert not np.allclose(out[0][1], out[1][1])
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    assert seen == sorted(seen)  # the bar only moves forward
    assert any(0 < f < 1 for f in seen)  # and moves during the work, not just at the end


def test_the_default_values_are_the_usable_ones(rings, home):
    out = run_sweep(rings, "n_neighbors", values=None)
    assert [label for label, _ in out] == [f"n_neighbors {v}" for v in (3, 5, 10, 15, 50)]
    assert all(coords.shape == (90, 2) for _, coords in out)


def test_a_umap_sweep_holds_its_fixed_parameters(rings, home):
    out = run_sweep(rings, "min_dist", values=(0.0, 0.5))
    again = embed.project(rings, "umap", dims=2, seed=0, params={"n_neighbors": 15, "min_dist": 0.5})
    assert again.cached  # the sweep's map is the one project() makes with the fixed parameters
    np.testing.assert_array_equal(out[1][1], again.coords)


def test_seeds_give_different_maps_and_the_same_seed_the_same(home, monkeypatch, tmp_path):
    rings = make_toy("rings", n=100)  # the seed sweep holds perplexity 30: it needs at least 91 points
    first = dict(run_sweep(rings, "tsne-seed", values=(0, 1)))
    assert set(first) == {"seed 0", "seed 1"}
    assert not np.allclose(first["seed 0"], first["seed 1"], atol=1e-3)
    cached = list((home / "cache" / "projections").glob("*.npz"))
    assert len(cached) == 2  # one disk-cache entry per map
    again = dict(run_sweep(rings, "tsne-seed", values=(0,)))
    np.testing.assert_array_equal(again["seed 0"], first["seed 0"])
    # computed afresh in another, empty home: the same seed still draws the same map
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "other"))
    fresh = dict(run_sweep(rings, "tsne-seed", values=(1,)))
    assert list((tmp_path / "other" / "cache" / "projections").glob("*.npz"))
    np.testing.assert_allclose(fresh["seed 1"], first["seed 1"], rtol=1e-4, atol=1e-4)


def test_a_plain_array_can_be_swept(home):
    x = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    out = run_sweep(x, "umap-seed", values=(0,))
    assert out[0][0] == "seed 0" and out[0][1].shape == (40, 2)


def test_an_unknown_sweep_is_named_with_the_choices(rings):
    with pytest.raises(InputError, match="sweep 'nope' is not known; choose one of perplexity, n_neighbors"):
        run_sweep(rings, "nope")


@pytest.mark.parametrize("name, n", [("perplexity", 6), ("n_neighbors", 3)])
def test_too_few_points_for_a_sweep_is_explained(name, n):
    x = np.random.default_rng(0).normal(size=(n, 3))
    with pytest.raises(InputError, match=f"{n} points are too few for the {SWEEPS[name].title} sweep"):
        run_sweep(x, name)


def test_a_value_too_big_for_the_data_is_refused_by_the_method(rings, home):
    with pytest.raises(InputError, match=r"perplexity=100 must be between 1 and \(n-1\)/3"):
        run_sweep(rings, "perplexity", values=(100,))
    # the seed sweep's fixed perplexity 30 needs 91 points: the sweep says so itself
    with pytest.raises(InputError, match="90 points are too few for the t-SNE across seeds sweep"):
        run_sweep(rings, "tsne-seed")
    assert usable_values(SWEEPS["tsne-seed"], 90) == () and usable_values(SWEEPS["tsne-seed"], 91) == (0, 1, 2, 3)
