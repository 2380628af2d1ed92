"""The generative lab's core: networks, latent walks, the step-by-step trainer, quality figures, shipped models."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.generate import data, latent, models, quality
from core.generate.nets import Arch, build
from core.generate.train import GANTrainer


# ------------------------------------------------------------------------------------------- networks
@pytest.mark.parametrize("arch", [Arch("dcgan", 32), Arch("dcgan", 64, width=16), Arch("cdcgan", 32, n_classes=10),
                                  Arch("pix2pix", 32, width=16), Arch("pix2pix", 64, width=8)])
def test_networks_have_the_papers_shapes(arch):
    import torch

    g, d = build(arch)
    n = 3
    labels = torch.tensor([0, 1, 2])
    if arch.kind == "pix2pix":
        cond = torch.zeros(n, 1, arch.side, arch.side)
        out = g(cond)
        judged = d(out, cond)
        assert judged.shape[0] == n and judged.shape[1] > 1  # PatchGAN: one logit per patch
    else:
        out = g(torch.randn(n, arch.z_dim), labels)
        judged = d(out, labels)
        assert judged.shape == (n,)
    assert out.shape == (n, 1, arch.side, arch.side)
    assert float(out.detach().abs().max()) <= 1.0  # tanh


def test_a_class_mix_of_one_hot_weights_is_that_class():
    import torch

    g, _ = build(Arch("cdcgan", 32, n_classes=10))
    g.eval()
    z = torch.randn(2, 64)
    with torch.no_grad():
        by_index = g(z, torch.tensor([3, 7]))
        by_weights = g(z, torch.nn.functional.one_hot(torch.tensor([3, 7]), 10).float())
    assert torch.allclose(by_index, by_weights, atol=1e-6)


def test_unknown_kinds_and_sides_are_refused():
    with pytest.raises(InputError, match="not known"):
        build(Arch("vqgan", 32))
    with pytest.raises(InputError, match="side 48"):
        build(Arch("dcgan", 48))


# --------------------------------------------------------------------------------------------- latent
def test_noise_is_seeded_and_truncation_pulls_toward_the_centre():
    a, b = latent.noise(8, 64, seed=5), latent.noise(8, 64, seed=5)
    assert np.array_equal(a, b) and not np.array_equal(a, latent.noise(8, 64, seed=6))
    np.testing.assert_allclose(latent.noise(8, 64, seed=5, psi=0.5), 0.5 * a, rtol=1e-6)
    assert not latent.noise(4, 64, seed=1, psi=0.0).any()
    with pytest.raises(InputError, match="truncation"):
        latent.noise(4, 64, psi=3.0)
    with pytest.raises(InputError, match="seed"):
        latent.noise(4, 64, seed=-1)


def test_lerp_and_slerp_join_the_ends_and_slerp_keeps_to_the_shell():
    a, b = latent.noise(2, 256, seed=0)
    for path in ("linear", "spherical"):
        p = latent.interpolate(a, b, 9, path)
        assert p.shape == (9, 256)
        np.testing.assert_allclose(p[0], a, atol=1e-5)
        np.testing.assert_allclose(p[-1], b, atol=1e-5)
    mid_lerp = np.linalg.norm(latent.lerp(a, b, 3)[1])
    mid_slerp = np.linalg.norm(latent.slerp(a, b, 3)[1])
    shell = np.sqrt(256)
    assert mid_lerp < 0.8 * shell  # the straight midpoint falls inside the shell (about sqrt(d/2))
    assert abs(mid_slerp - (np.linalg.norm(a) + np.linalg.norm(b)) / 2) < 1e-3  # slerp: norms interpolated
    with pytest.raises(InputError, match="path"):
        latent.interpolate(a, b, 4, "zigzag")
    with pytest.raises(InputError, match="same size"):
        latent.lerp(a, b[:10], 4)


def test_arithmetic_and_the_plane():
    a, b, c = np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(latent.arithmetic(a, b, c), [1, -1, 1])
    np.testing.assert_allclose(latent.arithmetic(np.stack([a, c]), b, c), [0.5, -1, 1.5])  # rows are averaged
    centre = latent.noise(1, 16, seed=2)[0]
    grid, xs, ys = latent.plane(centre, seed=3, n=5, extent=2.0)
    assert grid.shape == (25, 16) and xs[0] == -2 and ys[0] == 2  # the top row is the largest y
    np.testing.assert_allclose(grid[12], centre, atol=1e-5)  # the middle of the grid is the centre
    u, v = latent.plane_axes(16, seed=3)
    assert abs(u @ v) < 1e-9 and abs(np.linalg.norm(u) - 1) < 1e-9
    np.testing.assert_allclose(latent.plane_point(centre, 3, 1.5, -0.5)[0], centre + 1.5 * u - 0.5 * v, atol=1e-5)


# ---------------------------------------------------------------------------------------------- data
def test_the_built_in_sets():
    mnist = data.images("mnist-5k")
    assert mnist.x.shape == (5000, 1, 32, 32) and mnist.x.dtype == np.float32
    assert mnist.x.min() == -1.0 and mnist.x.max() == 1.0
    assert (mnist.x[:, 0, :2, :] == -1).all()  # the 2-pixel padding is background
    faces = data.images("faces")
    assert faces.x.shape == (400, 1, 64, 64) and faces.flip and not mnist.flip
    with pytest.raises(InputError, match="not a training set"):
        data.images("digits-500")
    with pytest.raises(InputError, match="does not exist"):
        data.images("ws-nope")
    with pytest.raises(InputError, match="64x64"):
        data.images("faces", side=32)
    train, test = data.split(400)
    assert len(train) == 320 and len(test) == 80 and not set(train) & set(test)


def test_edges_and_sketches():
    mnist = data.images("mnist-5k")
    e = data.edges(mnist.x[:4])
    assert e.shape == (4, 1, 32, 32) and set(np.unique(e)) == {-1.0, 1.0}
    assert 0.03 < (e == 1).mean() < 0.4  # outlines, not filled strokes
    # a drawing: dark strokes on white paper, and the same drawing inverted, give the same edge map
    paper = np.full((96, 96), 255, np.uint8)
    paper[20:76, 44:52] = 0  # a "1"
    one = data.sketch(paper, 32)
    assert one.shape == (1, 1, 32, 32) and (one == 1).any()
    np.testing.assert_array_equal(one, data.sketch(255 - paper, 32))
    with pytest.raises(InputError, match="blank"):
        data.sketch(np.full((40, 40), 200, np.uint8), 32)


# --------------------------------------------------------------------------------------------- training
@pytest.fixture(scope="module")
def few_digits():
    d = data.images("mnist-5k")
    rows = np.arange(0, 5000, 50)  # 100 digits, every class (the file is sorted by class)
    return data.Images("mnist-5k", d.x[rows], d.labels[rows])


def _params(net) -> list[np.ndarray]:
    return [p.detach().clone().numpy() for p in net.parameters()]


def _changed(before, net) -> bool:
    return any(not np.array_equal(a, p.detach().numpy()) for a, p in zip(before, net.parameters(), strict=True))


def test_stepping_one_player_leaves_the_other_alone(few_digits):
    t = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=0)
    g0, d0 = _params(t.g), _params(t.d)
    samples = t.samples()
    row = t.step_discriminator()
    assert row["part"] == "d" and t.steps == 1 and _changed(d0, t.d) and not _changed(g0, t.g)
    assert np.array_equal(samples, t.samples())  # batch-norm averages included: the generator is untouched
    assert 0 < row["d_real"] < 1 and 0 < row["d_fake"] < 1
    g1, d1 = _params(t.g), _params(t.d)
    row = t.step_generator()
    assert row["part"] == "g" and t.steps == 2 and _changed(g1, t.g) and not _changed(d1, t.d)
    assert row["d_loss"] == t.history[0]["d_loss"]  # the other player's last value is carried
    t.run(4)
    assert t.steps == 6 and [h["part"] for h in t.history] == ["d", "g"] + ["both"] * 4


def test_training_is_repeatable_and_snapshots_are_kept(few_digits):
    runs = [GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=3, snapshot_every=2).run(4)
            for _ in range(2)]
    assert [h["g_loss"] for h in runs[0].history] == [h["g_loss"] for h in runs[1].history]
    assert np.array_equal(runs[0].samples(), runs[1].samples())
    assert [s for s, _ in runs[0].snapshots] == [2, 4] and runs[0].snapshots[0][1].shape == (16, 32, 32)
    other = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=4).run(4)
    assert other.history[-1]["g_loss"] != runs[0].history[-1]["g_loss"]


def test_augmentation_shows_the_discriminator_shifted_pictures_and_stays_repeatable(few_digits):
    import torch

    t = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=0, augment=True)
    x = torch.from_numpy(few_digits.x[:4])
    moved = t._augmented(x)
    assert moved.shape == x.shape and not torch.allclose(moved, x)
    fake = torch.zeros(2, 1, 32, 32, requires_grad=True)
    t._augmented(fake).sum().backward()
    assert fake.grad is not None and float(fake.grad.abs().sum()) > 0  # differentiable: G learns through it
    g0 = _params(t.g)
    t.step_discriminator()
    assert not _changed(g0, t.g)
    runs = [GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=0, augment=True).run(2)
            for _ in range(2)]
    assert runs[0].history[-1]["g_loss"] == runs[1].history[-1]["g_loss"]


def test_the_discriminator_learns_to_tell_real_from_fake(few_digits):
    t = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=32, seed=0, lr=1e-3)
    for _ in range(15):
        t.step_discriminator()
    last = t.history[-1]
    assert last["d_real"] > 0.6 and last["d_fake"] < 0.4 and last["d_loss"] < t.history[0]["d_loss"]


def test_the_discriminators_verdicts_change_nothing_and_tell_real_from_fake(few_digits):
    import torch

    t = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=32, seed=0, lr=1e-3)
    real = few_digits.x[:8]
    fresh_fake, fresh_real = t.verdicts(real)
    assert fresh_fake.shape == (16,) and fresh_real.shape == (8,) and ((0 < fresh_fake) & (fresh_fake < 1)).all()
    for _ in range(15):
        t.step_discriminator()
    d_state = {k: v.clone() for k, v in t.d.state_dict().items()}  # weights and batch-norm averages
    g_state = {k: v.clone() for k, v in t.g.state_dict().items()}
    p_fake, p_real = t.verdicts(real)
    assert p_real.mean() > 0.6 > 0.4 > p_fake.mean()  # after 15 D steps it tells them apart
    assert all(torch.equal(v, t.d.state_dict()[k]) for k, v in d_state.items())
    assert all(torch.equal(v, t.g.state_dict()[k]) for k, v in g_state.items())
    watched = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=2)
    alone = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=16, seed=2)
    for _ in range(3):
        watched.step()
        watched.verdicts(real)
        alone.step()
    assert np.array_equal(watched.samples(), alone.samples())  # no random stream was touched
    with pytest.raises(InputError, match="shaped"):
        t.verdicts(real[:, :, :16, :16])
    with pytest.raises(InputError, match="not a pix2pix"):
        GANTrainer(Arch("pix2pix", 32, width=8), few_digits, batch=8).verdicts(real)


def test_pix2pix_and_conditional_trainers(few_digits):
    import torch

    p = GANTrainer(Arch("pix2pix", 32, width=8), few_digits, batch=8, seed=0).run(2)
    assert np.isfinite(p.history[-1]["l1"]) and p.samples().shape == (16, 32, 32)
    torch.manual_seed(123)  # torch's global state (another session's) plays no part: dropout has its own
    again = GANTrainer(Arch("pix2pix", 32, width=8), few_digits, batch=8, seed=0).run(2)
    assert [h["l1"] for h in again.history] == [h["l1"] for h in p.history]
    assert not _changed(_params(p.g), again.g)
    drop = [m for m in p.g.modules() if type(m).__name__ == "SeededDropout"]
    assert len(drop) == 2 and drop[0].generator is not None
    x = torch.ones(1000)
    kept = drop[0].train()(x)
    assert 0.4 < float((kept > 0).float().mean()) < 0.6 and set(kept.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(drop[0].eval()(x), x)  # off at inference
    c = GANTrainer(Arch("cdcgan", 32, width=8, n_classes=10), few_digits, batch=16, seed=0).run(2)
    assert c.classes == [str(i) for i in range(10)]
    with pytest.raises(InputError, match="10 classes; the data has 2"):
        two = data.Images("x", few_digits.x[:20], np.array(["a", "b"] * 10))
        GANTrainer(Arch("cdcgan", 32, n_classes=10), two)


def test_bad_training_settings_are_refused(few_digits):
    with pytest.raises(InputError, match="learning rate"):
        GANTrainer(Arch("dcgan", 32), few_digits, lr=5.0)
    with pytest.raises(InputError, match="batch"):
        GANTrainer(Arch("dcgan", 32), few_digits, batch=1)
    with pytest.raises(InputError, match="makes"):
        GANTrainer(Arch("dcgan", 64), few_digits)  # 32x32 images for a 64x64 model
    t = GANTrainer(Arch("dcgan", 32, width=8), few_digits, batch=8)
    with pytest.raises(InputError, match="steps"):
        t.run(0)


# --------------------------------------------------------------------------------------------- quality
def test_precision_and_recall_see_fidelity_and_mode_collapse():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((300, 8))
    assert quality.precision_recall(real, real) == (1.0, 1.0)
    far = real + 100
    assert quality.precision_recall(real, far) == (0.0, 0.0)
    collapsed = np.repeat(real[:5], 12, axis=0) + rng.normal(0, 0.01, (60, 8))  # a few modes, copied over
    p, r = quality.precision_recall(real, collapsed)
    assert p == 1.0 and r < 0.1  # realistic pictures of a few kinds only
    with pytest.raises(InputError):
        quality.precision_recall(real[:3], real)


def test_nearest_finds_copies_and_memorisation_shows():
    rng = np.random.default_rng(1)
    train = rng.integers(0, 256, (50, 8, 8)).astype(np.uint8)
    rows, dist = quality.nearest(train[[7, 3]], train)
    assert rows.tolist() == [7, 3] and np.allclose(dist, 0)
    heldout = rng.integers(0, 256, (20, 8, 8)).astype(np.uint8)
    copies = quality.memorisation(train[:20], train, heldout)
    assert copies["median_nn_distance_samples"] == 0 and copies["share_closer_than_heldout_p1"] == 1.0
    fresh = quality.memorisation(rng.integers(0, 256, (20, 8, 8)).astype(np.uint8), train, heldout)
    assert fresh["share_closer_than_heldout_p1"] < 0.2
    mirror_copies = train[:20, :, ::-1]
    assert quality.memorisation(mirror_copies, train, heldout)["share_closer_than_heldout_p1"] < 0.2  # unseen...
    caught = quality.memorisation(mirror_copies, train, heldout, mirrored=True)
    assert caught["median_nn_distance_samples"] == 0 and caught["share_closer_than_heldout_p1"] == 1.0
    rows, dist, flipped = quality.nearest_mirrored(train[[4]][:, :, ::-1], train)
    assert rows.tolist() == [4] and dist[0] == 0 and flipped.tolist() == [True]
    assert models.trained_with_flips("faces-dcgan") and not models.trained_with_flips("mnist-dcgan")


# ------------------------------------------------------------------------------------------ shipped models
@pytest.mark.parametrize("name", models.LATENT_MODELS)
def test_shipped_generators_sample_repeatably(name):
    gen = models.load(name, device="cpu")
    labels = ["3"] * 6 if gen.spec.conditional else None
    a = gen.sample(6, seed=11, labels=labels)
    assert a.shape == (6, gen.side, gen.side) and a.dtype == np.uint8
    assert np.array_equal(a, gen.sample(6, seed=11, labels=labels))
    assert not np.array_equal(a, gen.sample(6, seed=12, labels=labels))
    flat = gen.sample(3, seed=11, psi=0.0, labels=labels[:3] if labels else None)
    assert (flat == flat[0]).all()  # psi = 0: every sample is the "average" picture
    assert a.std() > 20  # pictures, not a grey wash


def test_the_conditional_model_draws_the_digit_asked_for():
    gen = models.load("mnist-cgan", device="cpu")
    assert gen.meta["quality"]["conditional_accuracy"] > 0.8  # measured by the card's classifier
    with pytest.raises(InputError, match="say which class"):
        gen.sample(2, seed=0)
    with pytest.raises(InputError, match="not one of"):
        gen.sample(2, seed=0, labels=["x"])
    mix = np.zeros((2, 10), np.float32)
    mix[:, 1] = 1
    z = gen.noise(2, seed=0)
    assert np.array_equal(gen.decode(z, mix), gen.decode(z, ["1", "1"]))


def test_pix2pix_translates_held_out_edges_and_keeps_the_digit():
    gen = models.load("mnist-pix2pix", device="cpu")
    _, test = models.training_images(gen.spec)
    out = gen.translate(data.edges(test.x[:8]))
    assert out.shape == (8, 32, 32)
    assert gen.meta["quality"]["translation_digit_accuracy"] > 0.8
    with pytest.raises(InputError, match="no latent space"):
        gen.decode(np.zeros((1, 64), np.float32))
    with pytest.raises(InputError, match="shaped"):
        gen.translate(np.zeros((1, 1, 64, 64), np.float32))


def test_every_shipped_model_has_its_record_replay_and_card():
    card = (models.SHIPPED_DIR / "README.md").read_text(encoding="utf-8")
    for name, spec in models.MODELS.items():
        assert f"`{name}`" in card
        record, frames = models.replay(name)
        assert record["name"] == name and len(record["history"]) > 100
        assert frames.shape[0] == len(record["snapshot_steps"]) and frames.shape[2:] == (spec.arch.side,) * 2
        q = record["quality"]
        assert 0 <= q["precision"] <= 1 and 0 <= q["recall"] <= 1
        assert q["median_nn_distance_samples"] > 0.5 * q["median_nn_distance_heldout"]  # no copying


def test_the_pix2pix_replay_knows_the_edge_maps_it_translated():
    from core.generate.data import edges

    _, frames = models.replay("mnist-pix2pix")
    inputs = models.replay_inputs("mnist-pix2pix")
    assert set(inputs) == {"edge map", "real"} and inputs["edge map"].shape == frames.shape[1:]
    assert set(np.unique(inputs["edge map"])) == {0, 255}  # Canny: edges white, the rest black
    # the shipped generator's translations of those edge maps look like the last snapshot (8 steps before the end),
    # and nothing like translations of other training digits'
    gen, (train, _) = models.load("mnist-pix2pix"), models.training_images(models.MODELS["mnist-pix2pix"])
    same = gen.translate(inputs["edge map"][:, None].astype(np.float32) / 127.5 - 1)  # back to [-1, 1]
    other = gen.translate(edges(train.x[np.arange(16) * 7]))
    last = frames[-1].astype(float)
    assert np.abs(same - last).mean() < 8 < 20 < np.abs(other - last).mean()
    assert np.abs(inputs["real"].astype(float) - last).mean() < 12  # and the real digits are what they became
    assert models.replay_inputs("mnist-dcgan") == {}  # noise has no picture to show


def test_a_trainers_fixed_inputs_come_from_its_seed_alone():
    from core.generate.train import GANTrainer, fixed_inputs

    data = models.training_images(models.MODELS["mnist-dcgan"])[0]
    t = GANTrainer(models.MODELS["mnist-dcgan"].arch, data, seed=11)
    z, rows = fixed_inputs(11, len(data), t.arch.z_dim)
    assert np.array_equal(t.fixed_z.numpy(), z) and np.array_equal(t.fixed_rows, rows) and len(set(rows)) == 16
    assert not np.array_equal(fixed_inputs(12, len(data), t.arch.z_dim)[1], rows)


def test_a_damaged_or_foreign_weights_file_is_refused(tmp_path):
    import shutil

    import torch

    with pytest.raises(InputError, match="not known"):
        models.load("stylegan3")
    with pytest.raises(InputError, match="missing"):
        models.load("mnist-dcgan", folder=tmp_path)
    src = models.shipped_paths("mnist-dcgan")["weights"]
    blob = torch.load(src, weights_only=True)
    blob["arch"]["width"] = 64
    torch.save(blob, tmp_path / "mnist-dcgan.pt")
    with pytest.raises(InputError, match="rebuild"):
        models.load("mnist-dcgan", folder=tmp_path)
    shutil.copy(src, tmp_path / "mnist-dcgan.pt")
    assert models.load("mnist-dcgan", folder=tmp_path).sample(1).shape == (1, 32, 32)
