"""Train-your-own GAN logic: networks and limits, a link's schedule replaying the same model; uploaded sketches."""

from __future__ import annotations

import io

import numpy as np
import pytest

from core.datasets import parsers
from core.errors import InputError
from core.generate import custom
from core.generate.data import Images


def _toy(n: int = 24, side: int = 32) -> Images:
    x = np.random.default_rng(0).uniform(-1, 1, (n, 1, side, side)).astype(np.float32)
    return Images("toy", x, np.array(["a"] * n))


def _params(module) -> list:
    return [p.detach().clone() for p in module.parameters()]


def _same(a: list, b: list) -> bool:
    import torch

    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def test_the_networks_and_limits_follow_the_side_and_the_device():
    assert custom.arch_for(32).width == 32 and custom.arch_for(64).width == 16
    assert custom.arch_for(64).side == 64 and custom.arch_for(64).kind == "dcgan"
    with pytest.raises(InputError, match="side=48 must be one of 32, 64"):
        custom.arch_for(48)
    assert custom.limits("cpu") == custom.Limits(500, 3_000)
    assert custom.limits("cuda").total > custom.limits("cpu").total
    assert max(custom.run_choices("cpu")) == 500 and max(custom.run_choices("cuda")) == 5_000
    with pytest.raises(InputError, match="device 'tpu' is not known"):
        custom.limits("tpu")
    assert custom.estimate_seconds(64, 64, "cpu") > custom.estimate_seconds(32, 64, "cpu")
    assert custom.estimate_seconds(32, 16, "cpu") < custom.estimate_seconds(32, 64, "cpu")
    assert custom.estimate_seconds(64, 64, "cuda") < custom.estimate_seconds(64, 64, "cpu") / 5


def test_a_schedule_is_coded_run_length_and_read_back():
    parts = ["d", "d", "g", "both", "both", "both"]
    code = custom.schedule_code([{"part": p} for p in parts])
    assert code == "d2g1b3"
    assert custom.parse_schedule(code) == [("d", 2), ("g", 1), ("b", 3)]
    assert custom.schedule_code([{"part": "both"}] * 40) == "40" and custom.schedule_code([]) == ""
    assert custom.parse_schedule("40") == [("b", 40)] and custom.parse_schedule(" B7 ") == [("b", 7)]
    assert custom.schedule_steps(custom.parse_schedule(code)) == 6
    assert custom.truncate([("d", 2), ("g", 1), ("b", 3)], 4) == [("d", 2), ("g", 1), ("b", 1)]
    for bad in ("", "x3", "b", "-5", "b1.5", "b3;drop"):
        with pytest.raises(InputError, match="is not understood"):
            custom.parse_schedule(bad)
    with pytest.raises(InputError, match="a part of 0 steps"):
        custom.parse_schedule("d1b0")
    with pytest.raises(InputError, match="at most 3,000"):
        custom.parse_schedule("d1g1" * 1501)
    alternating = [{"part": p} for p in ["d", "g"] * 1500]  # every step of a CPU model, one click each
    assert custom.parse_schedule(custom.link_code(alternating)) == [("d", 1), ("g", 1)] * 1500
    assert custom.link_code(alternating + [{"part": "d"}]) is None  # too many parts: the link drops them
    assert custom.link_code([{"part": "both"}] * 9_000) == "9000" and custom.link_code([]) is None


def test_replaying_the_schedule_gives_the_same_generator_and_another_schedule_does_not():
    data = _toy()
    first = custom.new_trainer(data, batch=8, seed=3, device="cpu")
    first.step_discriminator()
    first.step_generator()
    first.run(3)
    code = custom.schedule_code(first.history)
    assert code == "d1g1b3" and first.steps == 5

    seen = []
    again = custom.replay(custom.new_trainer(data, batch=8, seed=3, device="cpu"), custom.parse_schedule(code),
                          progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5, 5)
    assert _same(_params(first.g), _params(again.g)) and _same(_params(first.d), _params(again.d))
    assert [h["part"] for h in again.history] == ["d", "g", "both", "both", "both"]
    assert np.array_equal(first.samples(), again.samples())

    rounds = custom.replay(custom.new_trainer(data, batch=8, seed=3, device="cpu"), custom.parse_schedule("5"))
    assert not _same(_params(first.g), _params(rounds.g))  # d, g, then rounds draw the random streams differently


def test_a_discriminator_step_leaves_the_generator_weights_alone():
    t = custom.new_trainer(_toy(), batch=8, seed=0, device="cpu")
    g0, d0 = _params(t.g), _params(t.d)
    t.step_discriminator()
    assert _same(g0, _params(t.g)) and not _same(d0, _params(t.d))
    d1 = _params(t.d)
    t.step_generator()
    assert _same(d1, _params(t.d)) and not _same(g0, _params(t.g))


def _png(picture: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(picture, mode).save(buf, format=fmt)
    return buf.getvalue()


def test_a_sketch_is_read_grey_with_transparent_paper_white():
    rgba = np.zeros((40, 30, 4), dtype=np.uint8)  # fully transparent black...
    rgba[10:30, 14:16] = (0, 0, 0, 255)  # ...but for one opaque black stroke
    grey = parsers.read_picture(_png(rgba), "stroke.png", what="sketch")
    assert grey.shape == (40, 30) and grey.dtype == np.uint8
    assert grey[0, 0] == 255 and grey[20, 15] == 0
    jpg = parsers.read_picture(_png(np.full((16, 16, 3), 200, np.uint8), fmt="JPEG"), "x.jpg")
    assert jpg.shape == (16, 16) and abs(int(jpg[8, 8]) - 200) <= 2


def test_bad_sketches_say_why(monkeypatch):
    with pytest.raises(InputError, match="'e.png' is empty"):
        parsers.read_picture(b"", "e.png")
    with pytest.raises(InputError, match="'notes.png' cannot be read as an image"):
        parsers.read_picture(b"this is not a picture at all", "notes.png")
    with pytest.raises(InputError, match="is a GIF image; upload a PNG or JPG"):
        parsers.read_picture(_png(np.zeros((8, 8), np.uint8), fmt="GIF"), "a.png")
    truncated = _png(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8))[:200]
    with pytest.raises(InputError, match="damaged"):
        parsers.read_picture(truncated, "cut.png")
    monkeypatch.setattr(parsers, "MAX_PICTURE_PIXELS", 100)
    with pytest.raises(InputError, match="is 16x16 pixels; a sketch may have at most 100 pixels"):
        parsers.read_picture(_png(np.zeros((16, 16), np.uint8)), "big.png", what="sketch")
    monkeypatch.setattr(parsers, "MAX_PICTURE_BYTES", 50)
    with pytest.raises(InputError, match="a sketch may be at most"):
        parsers.read_picture(_png(np.zeros((16, 16), np.uint8)) + b"\0" * 100, "heavy.png", what="sketch")
