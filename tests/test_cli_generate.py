"""The generative commands: `embedlab models` and `embedlab generate`, with their documented JSON."""

from __future__ import annotations

import numpy as np
from cli_run import one_error, run_json
from PIL import Image

from core.generate import models
from core.viz.generate import grid_png


def test_models_lists_every_shipped_model(capsys):
    got = run_json(capsys, "models")
    assert [m["name"] for m in got] == list(models.MODELS)
    faces = got[0]
    assert faces == {**faces, "name": "faces-dcgan", "data": "faces", "image_size": 64, "conditional": False,
                     "image_to_image": False, "kind": "dcgan"}
    assert {m["name"]: m["image_size"] for m in got}["mnist-cgan"] == 32
    assert {m["name"]: m["z_dim"] for m in got}["mnist-pix2pix"] is None


def test_generate_writes_the_same_picture_for_the_same_seed(capsys, tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    got = run_json(capsys, "generate", "--model", "faces-dcgan", "--n", "16", "--seed", "7", "--out", str(a))
    assert set(got) >= {"model", "n", "seconds", "out"}
    assert got["model"] == "faces-dcgan" and got["n"] == 16 and got["out"] == str(a) and 0 < got["seconds"] < 5
    run_json(capsys, "generate", "--model", "faces-dcgan", "--n", "16", "--seed", "7", "--out", str(b))
    run_json(capsys, "generate", "--model", "faces-dcgan", "--n", "16", "--seed", "8", "--out", str(c))
    pa, pb, pc = (np.asarray(Image.open(p)) for p in (a, b, c))
    assert pa.shape == (4 * 66 + 2, 4 * 66 + 2)  # 4 x 4 pictures of 64 px with 2 px gaps
    assert np.array_equal(pa, pb) and not np.array_equal(pa, pc)
    expected = models.load("faces-dcgan", device="cpu").sample(16, seed=7)
    assert np.array_equal(pa[2:66, 2:66], expected[0])  # the first picture is sample 0 of the seed
    assert a.read_bytes() == grid_png(expected)  # the file the samples page downloads for that seed


def test_generate_a_chosen_digit_with_the_conditional_model(capsys, tmp_path):
    out = tmp_path / "sevens.png"
    got = run_json(capsys, "generate", "--model", "mnist-cgan", "--n", "4", "--label", "7", "--out", str(out))
    assert got["n"] == 4 and Image.open(out).size == (2 * 34 + 2, 2 * 34 + 2)


def test_bad_requests_get_one_line(capsys, tmp_path):
    assert "not known" in one_error(capsys, "generate", "--model", "biggan", "--out", str(tmp_path / "x.png"))
    assert "translates edge maps" in one_error(capsys, "generate", "--model", "mnist-pix2pix",
                                               "--out", str(tmp_path / "x.png"))
    assert ".png" in one_error(capsys, "generate", "--out", str(tmp_path / "x.jpg"))
    assert "does not exist" in one_error(capsys, "generate", "--out", str(tmp_path / "nope" / "x.png"))
    assert "from 1 to 1,024" in one_error(capsys, "generate", "--n", "0", "--out", str(tmp_path / "x.png"))
    assert "from 1 to 1,024" in one_error(capsys, "generate", "--model", "mnist-cgan", "--n", "1000000000",
                                          "--out", str(tmp_path / "x.png"))
    assert "missing" in one_error(capsys, "train-generative", "--measure-only", "--model", "mnist-dcgan",
                                  "--out", str(tmp_path))
    assert "not conditional" in one_error(capsys, "generate", "--label", "3", "--out", str(tmp_path / "x.png"))
    assert "not one of" in one_error(capsys, "generate", "--model", "mnist-cgan", "--label", "x",
                                     "--out", str(tmp_path / "x.png"))
    assert not list(tmp_path.iterdir())  # nothing written on an error
