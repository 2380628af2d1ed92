"""Figures of GAN training: the moving average, the curves' traces and the labelled rows of pictures."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import InputError
from core.viz.gan_training import image_rows_figure, losses_figure, probabilities_figure, samples_figure, smooth


def _history(n: int, parts=None, l1: bool = False) -> list[dict]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        row = {"step": i + 1, "part": (parts or ["both"] * n)[i], "d_loss": float(rng.uniform(0.5, 1.5)),
               "g_loss": float(rng.uniform(1, 3)), "d_real": 0.8, "d_fake": 0.2}
        if l1:
            row["l1"] = 0.3
        out.append(row)
    return out


def test_the_moving_average_skips_gaps():
    assert np.allclose(smooth(np.array([1, 2, 3, np.nan, 5, 6.0]), 2), [1, 1.5, 2.5, 3, 5, 5.5])
    assert np.isnan(smooth(np.array([np.nan, 1.0]), 3)[0])


def test_curves_show_each_step_or_a_moving_average_and_mark_the_snapshot():
    few = losses_figure(_history(3, ["d", "g", "both"]), mark=2)
    assert [t.name for t in few.data] == ["discriminator loss", "generator loss"]
    assert few.data[0].mode == "lines+markers" and list(few.data[0].customdata) == ["discriminator step",
                                                                                   "generator step", "both"]
    assert few.layout.shapes[0].x0 == 2
    many = losses_figure(_history(400, l1=True))
    assert len(many.data) == 6 and many.data[-1].yaxis == "y2"  # raw + average, for D, G and L1
    assert [t.showlegend for t in many.data[:2]] == [False, None]
    p = probabilities_figure(_history(5))
    assert p.layout.yaxis.range == (0, 1) and p.layout.shapes[0].y0 == 0.5


def test_rows_of_pictures_are_one_image_with_their_names():
    pics = np.zeros((3, 8, 8), np.uint8)
    fig = image_rows_figure({"edges": pics, "truth": pics + 255}, ["a", "b", "<c>"], tile=16, gap=2)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (16 * 2 + 2, 16 * 3 + 2 * 2, 3) and z[0, 0, 0] == 0 and z[-1, 0, 0] == 255
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["edges", "truth", "a", "b", "&lt;c&gt;"]
    with pytest.raises(InputError, match="same number of pictures"):
        image_rows_figure({"a": pics, "b": pics[:2]})
    grid = np.asarray(samples_figure(np.zeros((10, 4, 4), np.uint8), columns=8, tile=4, gap=1).data[0].z)
    assert grid.shape == (2 * 4 + 1, 8 * 4 + 7, 3) and grid[-1, -1, 0] == 255  # the last row padded white
