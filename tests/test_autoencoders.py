"""Autoencoders and VAEs: the estimator's contract, the shipped weights against their model card, and PCA."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.decomposition import PCA

from core.embed import autoencoders as ae
from core.embed.autoencoders import Autoencoder, interpolate, latent_grid, pca_errors, tile
from core.errors import InputError

FEW, BATCH = 1000, 50  # the quick fits: 20 steps per epoch


@pytest.fixture(scope="module")
def mnist():
    x, labels = ae.pixels("mnist-5k")
    train, test = ae.split(len(x), seed=ae.RECIPES["mnist-5k"].seed)
    return x, labels, train, test


@pytest.fixture(scope="module")
def fitted(mnist):
    """Three epochs on a thousand training digits, with every progress call recorded."""
    x, _, train, _ = mnist
    calls = []
    model = Autoencoder(kind="ae", code_size=2, epochs=3, batch_size=BATCH)
    return model.fit(x[train[:FEW]], progress=lambda fraction, losses: calls.append((fraction, losses))), calls


@pytest.fixture(scope="module")
def vae():
    return ae.shipped("mnist-5k", "vae", 2)


def test_pixels_and_split_are_what_the_lesson_says():
    x, labels = ae.pixels("faces")
    assert x.shape == (400, 32 * 32) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert len(labels) == 400
    train, test = ae.split(400)
    assert len(test) == 80 and len(train) == 320 and not set(train) & set(test)
    assert np.array_equal(test, ae.split(400)[1])  # seeded: the same rows every time
    with pytest.raises(InputError, match="dataset 'cifar' has no autoencoder lesson; choose one of mnist-5k, faces"):
        ae.pixels("cifar")


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "cnn"}, "kind='cnn' is not known; choose one of ae, vae"),
    ({"code_size": 0}, "code_size=0 must be a whole number from 1 to 256"),
    ({"code_size": 257}, "code_size=257 must be a whole number from 1 to 256"),
    ({"code_size": 2.5}, "code_size=2.5 must be a whole number from 1 to 256"),
    ({"epochs": 0}, "epochs=0 must be a whole number from 1 to 500"),
    ({"epochs": True}, "epochs=True must be a whole number from 1 to 500"),
    ({"epochs": 501}, "epochs=501 must be a whole number from 1 to 500"),
    ({"learning_rate": 1.0}, r"learning_rate=1.0 must be a number from 0.00001 to 0.1 \(try 0.001\)"),
    ({"learning_rate": 0}, "learning_rate=0 must be a number from 0.00001 to 0.1"),
    ({"learning_rate": float("nan")}, "learning_rate=nan must be a number from 0.00001 to 0.1"),
    ({"beta": -1}, r"beta=-1 must be a number from 0 to 100 \(1 is the standard VAE\)"),
    ({"hidden": ()}, r"hidden=\(\) must be a non-empty list of positive layer widths"),
])
def test_bad_parameters_name_themselves(kwargs, match):
    with pytest.raises(InputError, match=match):
        Autoencoder(**kwargs).fit(np.zeros((4, 16), np.float32))


@pytest.mark.parametrize("rows", [np.full((3, 16), 1.5), np.full((3, 16), -0.1), np.full((3, 16), np.nan),
                                  np.full((3, 16), 255.0)])
def test_pixels_outside_zero_one_are_refused(rows):
    with pytest.raises(InputError, match=r"pixels must be finite numbers in \[0, 1\]; divide 8-bit images by 255"):
        Autoencoder(epochs=1).fit(rows)


def test_bad_shapes_are_explained(fitted):
    model, _ = fitted
    with pytest.raises(InputError, match="rows have 100 pixels; this model was trained on 784"):
        model.encode(np.zeros((2, 100)))
    with pytest.raises(InputError, match=r"codes must be finite, of shape \(n, 2\); got \(3, 3\)"):
        model.decode(np.zeros((3, 3)))
    with pytest.raises(InputError, match=r"codes must be finite, of shape \(n, 2\); got \(2,\)"):
        model.decode(np.zeros(2))
    with pytest.raises(InputError, match="codes must be finite"):
        model.decode(np.array([[0.0, np.inf]]))
    with pytest.raises(InputError, match=r"expected a 2-D array of rows of pixels, got shape \(784,\)"):
        model.encode(np.zeros(784))


@pytest.mark.parametrize("call", ["encode", "decode"])
def test_an_unfitted_model_says_so(call):
    rows = np.zeros((2, 784)) if call == "encode" else np.zeros((2, 2))
    with pytest.raises(InputError, match=r"this autoencoder is not trained yet: call fit\(\) or load\(\) first"):
        getattr(Autoencoder(), call)(rows)


def test_fitting_lowers_the_loss_and_gives_the_right_shapes(mnist, fitted):
    x, _, _, test = mnist
    model, _ = fitted
    curve = model.loss_curve_
    assert len(curve) == 3 and curve[0] > curve[1] > curve[2] > 0
    assert model.n_features_in_ == 784 and model.device_ == "cpu" and model.fit_seconds_ > 0
    codes = model.encode(x[test[:50]])
    assert codes.shape == (50, 2) and codes.dtype == np.float32
    images = model.decode(np.random.default_rng(0).normal(0, 5, (7, 2)))
    assert images.shape == (7, 784) and images.min() >= 0 and images.max() <= 1  # a sigmoid at the end
    assert model.reconstruct(x[test[:5]]).shape == (5, 784)
    err = model.reconstruction_error(x[test[:50]])
    assert err.shape == (50,) and np.all(err > 0)


def test_the_same_seed_trains_the_same_model(mnist, fitted):
    x, _, train, test = mnist
    model, _ = fitted
    again = Autoencoder(kind="ae", code_size=2, epochs=3, batch_size=BATCH).fit(x[train[:FEW]])
    np.testing.assert_array_equal(again.encode(x[test[:100]]), model.encode(x[test[:100]]))
    assert again.loss_curve_ == model.loss_curve_
    other = Autoencoder(kind="ae", code_size=2, epochs=3, batch_size=BATCH, random_state=1).fit(x[train[:FEW]])
    assert not np.allclose(other.encode(x[test[:100]]), model.encode(x[test[:100]]))


def test_progress_climbs_to_one_with_the_losses_so_far(fitted):
    model, calls = fitted
    fractions = [f for f, _ in calls]
    assert len(calls) == 3 * 3 and fractions[0] == pytest.approx(8 / 60)  # steps 8, 16 and 20 of each epoch
    assert all(b >= a for a, b in zip(fractions, fractions[1:], strict=False)) and fractions[-1] == 1.0
    assert all(isinstance(losses, list) and losses for _, losses in calls)
    assert calls[-1][1] == pytest.approx(model.loss_curve_)  # the last step reports the last epoch's mean
    epochs_seen = [len(losses) for _, losses in calls]
    assert epochs_seen == [1, 1, 1, 2, 2, 2, 3, 3, 3]  # the finished epochs and a running value of this one
    assert calls[2][1] == pytest.approx(model.loss_curve_[:1])  # an epoch's last step reports its mean


def test_a_vae_trains_too(mnist):
    x, _, train, test = mnist
    model = Autoencoder(kind="vae", code_size=2, epochs=2).fit(x[train[:500]])
    assert len(model.loss_curve_) == 2 and model.loss_curve_[1] < model.loss_curve_[0]
    codes = model.encode(x[test[:20]])
    np.testing.assert_array_equal(codes, model.encode(x[test[:20]]))  # the mean: no sampling when encoding


def test_save_and_load_round_trip(tmp_path, mnist, fitted):
    x, _, _, test = mnist
    model, _ = fitted
    path = model.save(tmp_path / "sub" / "m.pt", extra={"note": "hello"})
    back = Autoencoder.load(path, device="cpu")
    assert back.get_params() == {**model.get_params(), "device": "cpu"}
    assert back.loss_curve_ == model.loss_curve_ and back.meta_["note"] == "hello"
    rows = x[test[:200]]
    np.testing.assert_allclose(back.encode(rows), model.encode(rows), rtol=2e-2, atol=2e-2)  # float16 weights
    np.testing.assert_allclose(back.reconstruct(rows), model.reconstruct(rows), atol=2e-2)
    with pytest.raises(InputError, match="no weights at .*nothing.pt; run `embedlab train-autoencoders` to make them"):
        Autoencoder.load(tmp_path / "nothing.pt")


# ----------------------------------------------------------------------------------- shipped weights
def _metrics() -> list[dict]:
    return json.loads((ae.SHIPPED_DIR / "metrics.json").read_text(encoding="utf-8"))


def test_every_shipped_model_loads_and_nothing_else_is_there():
    expected = {ae.shipped_path(s, kind, code).name for s in ae.SOURCES for kind, code in ae.SHIPPED_MODELS}
    assert {p.name for p in ae.SHIPPED_DIR.glob("*.pt")} == expected
    for source in ae.SOURCES:
        side = ae.SOURCES[source].side
        for kind, code in ae.SHIPPED_MODELS:
            model = ae.shipped(source, kind, code, device="cpu")
            assert (model.kind, model.code_size, model.n_features_in_) == (kind, code, side * side)
            assert model.meta_["metrics"]["source"] == source
    with pytest.raises(InputError, match="kind='gan' is not known"):
        ae.shipped("mnist-5k", "gan", 2)
    with pytest.raises(InputError, match="no weights at .*mnist-5k-ae-3.pt"):
        ae.shipped("mnist-5k", "ae", 3)


@pytest.mark.parametrize("source", list(ae.SOURCES))
def test_shipped_weights_match_their_model_card(source):
    """Held-out MSE recomputed now equals metrics.json (weights and card cannot drift apart), and the
    2-number models beat PCA with 2 components."""
    x, _ = ae.pixels(source)
    train, test = ae.split(len(x), seed=ae.RECIPES[source].seed)
    pca = pca_errors(x[train], x[test])
    rows = {(r["kind"], r["code_size"]): r for r in _metrics() if r["source"] == source}
    assert set(rows) == set(ae.SHIPPED_MODELS)
    for (kind, code), row in rows.items():
        model = ae.shipped(source, kind, code)
        now = float(model.reconstruction_error(x[test]).mean())
        assert now == pytest.approx(row["test_mse"], abs=1e-3), (kind, code)
        assert pca[code] == pytest.approx(row["pca_test_mse"], rel=1e-3)
        assert model.meta_["metrics"] == row  # the weights file carries the same row
        assert row["epochs"] == ae.RECIPES[source].epochs
    for kind in ("ae", "vae"):
        assert rows[(kind, 2)]["test_mse"] < pca[2], kind


def test_the_model_card_prints_every_shipped_number():
    card = (ae.SHIPPED_DIR / "README.md").read_text(encoding="utf-8")
    assert card == ae.model_card(_metrics())  # exactly what model_card makes of metrics.json
    for r in _metrics():
        line = (f"| {r['source']} | {ae.KINDS[r['kind']].title} | {r['code_size']} | {r['test_mse']:.4f} | "
                f"{r['pca_test_mse']:.4f} | {r['train_mse']:.4f} | {r['seconds']} s | {r['device']} |")
        assert line in card
    for name, recipe in ae.RECIPES.items():
        assert f"batch {recipe.batch_size}, {recipe.epochs} epochs, seed {recipe.seed}" in card, name


# ------------------------------------------------------------------------------------------- PCA
def test_pca_errors_agree_with_sklearn_and_fall_with_the_code_size(mnist):
    x, _, train, test = mnist
    ours = pca_errors(x[train], x[test])
    assert list(ours) == list(ae.CODE_SIZES)
    for k in (2, 8, 32):
        ref = PCA(n_components=k, svd_solver="full").fit(x[train].astype(np.float64))
        rebuilt = ref.inverse_transform(ref.transform(x[test].astype(np.float64)))
        assert ours[k] == pytest.approx(float(((rebuilt - x[test]) ** 2).mean()), rel=1e-3), k
    values = list(ours.values())
    assert values == sorted(values, reverse=True) and values[-1] < values[0] / 2
    assert list(pca_errors(x[train], x[test], sizes=(3, 1))) == [3, 1]


def test_pca_reconstruct_is_what_pca_errors_scores(mnist):
    x, _, train, test = mnist
    out = ae.pca_reconstruct(x[train], x[test], 8)
    assert out.shape == (len(test), 784) and out.dtype == np.float32
    assert out.min() < 0  # unclipped (tile() clips for display), so the pictures match the table's numbers
    assert float(((out - x[test]) ** 2).mean()) == pytest.approx(pca_errors(x[train], x[test], sizes=(8,))[8],
                                                                  rel=1e-4)


# --------------------------------------------------------------------------- grid, tiles, the walk
def test_latent_grid_runs_from_the_top_left(vae):
    codes, images = latent_grid(vae, 4, span=2.0)
    assert codes.shape == (16, 2) and images.shape == (16, 784)
    np.testing.assert_allclose(codes[0], [-2, 2])  # row 0 is the top: the largest z2
    np.testing.assert_allclose(codes[3], [2, 2])
    np.testing.assert_allclose(codes[-1], [2, -2])
    grid = codes.reshape(4, 4, 2)
    assert np.all(np.diff(grid[:, :, 0], axis=1) > 0) and np.all(np.diff(grid[:, :, 1], axis=0) < 0)
    np.testing.assert_allclose(images, vae.decode(codes), atol=1e-6)
    assert latent_grid(vae)[0].shape == (400, 2)


def test_latent_grid_refuses_what_it_cannot_draw(vae):
    with pytest.raises(InputError, match="the latent grid needs a 2-D code; this model's code has 4 numbers"):
        latent_grid(ae.shipped("mnist-5k", "ae", 4), 5)
    for n in (1, 61):
        with pytest.raises(InputError, match=f"grid size n={n} must be from 2 to 60"):
            latent_grid(vae, n)
    for span in (0, -1, 11):
        with pytest.raises(InputError, match=f"span={span} must be between 0 and 10"):
            latent_grid(vae, 5, span)


def test_tile_puts_each_image_in_its_cell():
    side, columns, pad = 3, 4, 1
    images = np.zeros((6, side * side), np.float32)
    images[5] = 1.0  # the sixth image: row 1, column 1
    out = tile(images, side, columns, pad=pad)
    cell = side + pad
    assert out.dtype == np.uint8 and out.shape == (2 * cell + pad, columns * cell + pad)
    assert (out[pad + cell:pad + cell + side, pad + cell:pad + cell + side] == 255).all()
    assert (out[pad:pad + side, pad:pad + side] == 0).all()  # the first image, black
    assert (out[pad + cell:pad + cell + side, pad + 2 * cell:pad + 2 * cell + side] == 255).all()  # empty cell: white
    assert (out[0] == 255).all() and (out[:, 0] == 255).all()  # the padding
    assert tile(np.full((1, 4), 0.5), 2, 1, pad=0).tolist() == [[127, 127], [127, 127]]
    assert tile(np.full((1, 4), 7.0), 2, 1, pad=0).max() == 255  # clipped, not wrapped


def test_interpolate_ends_at_both_images(mnist, vae):
    x, _, _, test = mnist
    a, b = x[test[0]], x[test[1]]
    walk = interpolate(vae, a, b, steps=6)
    assert walk.shape == (6, 784)
    np.testing.assert_allclose(walk[0], vae.reconstruct(a[None])[0], atol=1e-5)
    np.testing.assert_allclose(walk[-1], vae.reconstruct(b[None])[0], atol=1e-5)
    for steps in (1, 31):
        with pytest.raises(InputError, match=f"steps={steps} must be from 2 to 30"):
            interpolate(vae, a, b, steps=steps)


# ------------------------------------------------------------------------------------------- CLI
def test_cli_rebuilds_the_shipped_set_and_its_card(tmp_path, monkeypatch, capsys):
    from core.cli import main

    monkeypatch.setitem(ae.RECIPES, "faces", dataclasses.replace(ae.RECIPES["faces"], epochs=2))
    assert main(["train-autoencoders", "--out", str(tmp_path), "--source", "faces", "--json", "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = {ae.shipped_path("faces", kind, code).name for kind, code in ae.SHIPPED_MODELS}
    assert {p.name for p in tmp_path.iterdir()} == expected | {"README.md", "metrics.json"}
    assert out["out"] == str(tmp_path) and len(out["models"]) == 6
    assert out["models"] == json.loads((tmp_path / "metrics.json").read_text())
    assert all(r["epochs"] == 2 and r["source"] == "faces" and r["device"] == "cpu" for r in out["models"])
    card = (tmp_path / "README.md").read_text()
    assert "batch 32, 2 epochs, seed 0" in card
    assert f"| faces | autoencoder | 2 | {out['models'][0]['test_mse']:.4f} |" in card
    back = Autoencoder.load(tmp_path / "faces-vae-2.pt")
    assert back.kind == "vae" and len(back.loss_curve_) == 2


def test_cli_names_an_unknown_source(tmp_path, capsys):
    from core.cli import main

    assert main(["train-autoencoders", "--out", str(tmp_path), "--source", "nope"]) == 2
    err = capsys.readouterr().err
    assert "error: dataset 'nope' has no autoencoder lesson; choose one of mnist-5k, faces" in err
    assert not list(tmp_path.iterdir())  # checked before anything is trained or written
