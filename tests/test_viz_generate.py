"""The generative lab's pictures and figures (core/viz/generate.py), on tiny hand-made pictures."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.errors import InputError
from core.generate import latent
from core.viz.generate import (
    PICK_COLOR,
    enlarge,
    grid_picture,
    norm_figure,
    picture_uri,
    pictures_figure,
    slice_figure,
)


def decoded(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def pictures(n: int, side: int = 4) -> np.ndarray:
    """Picture i is filled with the value 10 * (i + 1): each one recognisable in a sheet."""
    return np.stack([np.full((side, side), 10 * (i + 1), dtype=np.uint8) for i in range(n)])


def test_grid_picture_lays_out_rows_with_padding():
    sheet = grid_picture(pictures(5), columns=2, pad=1, fill=255)
    assert sheet.shape == (3 * 5 + 1, 2 * 5 + 1) and sheet.dtype == np.uint8
    assert (sheet[1:5, 1:5] == 10).all() and (sheet[1:5, 6:10] == 20).all()  # first row: pictures 0 and 1
    assert (sheet[11:15, 1:5] == 50).all()  # picture 4 starts the third row
    assert (sheet[11:15, 6:10] == 255).all()  # the empty cell keeps the fill
    assert (sheet[0] == 255).all() and (sheet[:, 5] == 255).all()  # padding between and around


def test_grid_picture_defaults_to_a_near_square_and_clamps_columns():
    assert grid_picture(pictures(10), pad=0).shape == (3 * 4, 4 * 4)  # ceil(sqrt(10)) = 4 columns
    assert grid_picture(pictures(3), columns=9, pad=0).shape == (4, 12)  # no more columns than pictures
    with pytest.raises(InputError, match="expected pictures shaped"):
        grid_picture(np.zeros((4, 4), np.uint8))


def test_picture_uri_round_trips():
    pic = np.arange(64, dtype=np.uint8).reshape(8, 8)
    np.testing.assert_array_equal(decoded(picture_uri(pic)), pic)


def test_enlarge_repeats_pixels_by_a_whole_factor():
    pic = np.array([[[0, 255], [128, 7]]], dtype=np.uint8)
    big = enlarge(pic, 8)
    assert big.shape == (1, 8, 8)
    assert (big[0, :4, :4] == 0).all() and (big[0, 4:, 4:] == 7).all() and (big[0, :4, 4:] == 255).all()
    assert enlarge(pictures(2, 64), 48).shape == (2, 64, 64)  # never smaller than they are


def test_pictures_figure_draws_one_sheet_with_labels_and_a_frame():
    fig = pictures_figure(pictures(6, side=8), columns=3, highlight=[4], tile=16, pad=4,
                          labels=["#0", "<b>x</b>", "", "#3", "#4", "#5"])
    sheet = decoded(fig.data[0].source)
    assert sheet.shape == (2 * (16 + 4) + 4, 3 * (16 + 4) + 4, 3)  # 8-px pictures enlarged twice, 2 rows of 3
    np.testing.assert_array_equal(sheet[4:20, 24:40, 0], 20)  # picture 1, grey on every channel
    framed = sheet[24:40, 24:40]  # picture 4: second row, second column
    assert tuple(framed[0, 0]) == PICK_COLOR and tuple(framed[8, 8]) == (50, 50, 50)
    assert tuple(sheet[4, 4]) == (10, 10, 10)  # the others are not framed
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["#0", "&lt;b&gt;x&lt;/b&gt;", "#3", "#4", "#5"]  # escaped, empty labels left out
    assert list(fig.layout.xaxis.range) == [0, sheet.shape[1]] and list(fig.layout.yaxis.range) == [sheet.shape[0], 0]


def test_pictures_figure_numbers_pictures_and_titles_a_table():
    fig = pictures_figure(pictures(6), columns=3, column_titles=["a", "b", "c"], row_titles=["z #0", "z #1"])
    texts = [a.text for a in fig.layout.annotations]
    assert texts[:6] == [f"#{i}" for i in range(6)]
    assert texts[6:] == ["<b>a</b>", "<b>b</b>", "<b>c</b>", "z #0", "z #1"]
    assert fig.layout.xaxis.range[0] < 0 and fig.layout.yaxis.range[1] < 0  # room for the titles
    with pytest.raises(InputError, match="2 labels for 6 pictures"):
        pictures_figure(pictures(6), labels=["a", "b"])


def test_norm_figure_shows_the_straight_path_dipping_inside_the_shell():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 64))
    fig = norm_figure({"linear": latent.lerp(a, b, 16), "spherical": latent.slerp(a, b, 16)}, np.sqrt(64))
    lin, sph, shell = (np.asarray(t.y) for t in fig.data)
    assert [t.name for t in fig.data] == ["linear", "spherical", "the samples' shell, |z| ≈ 8.0"]
    np.testing.assert_allclose(lin[[0, -1]], sph[[0, -1]], rtol=1e-5)  # the same ends
    assert lin.min() < 0.8 * sph.min()  # the line's middle falls inside, about sqrt(1/2) of the shell
    assert list(shell) == [8.0, 8.0]


def test_slice_figure_places_the_grid_in_plane_coordinates():
    vectors, xs, ys = latent.plane(np.zeros(8), seed=3, n=3, extent=2.0)
    pics = pictures(9, side=6)
    fig = slice_figure(pics, xs, ys, picked=(0.5, -1.25), lattice=11)
    image = fig.layout.images[0]
    assert (image.x, image.y, image.sizex, image.sizey) == pytest.approx((-3.0, 3.0, 6.0, 6.0))  # cells 2 wide
    sheet = decoded(image.source)
    tile = sheet.shape[0] // 3
    assert sheet.shape[:2] == (3 * tile, 3 * tile)
    assert (sheet[:tile, :tile] == 10).all() and (sheet[-tile:, -tile:] == 90).all()  # top-left is row 0 (y = 2)
    anywhere, centres, star = fig.data
    assert len(anywhere.x) == 11 * 11 and min(anywhere.x) == -3.0 and max(anywhere.y) == 3.0
    assert sorted(set(np.round(centres.x, 6))) == [-2.0, 0.0, 2.0] and centres.y[0] == 2.0
    assert (star.name, star.x[0], star.y[0]) == ("decoded point", 0.5, -1.25)
    assert fig.layout.yaxis.scaleanchor == "x"
    assert len(slice_figure(pics, xs, ys).data) == 2  # nothing picked, no cross
    with pytest.raises(InputError, match="n\\*n pictures"):
        slice_figure(pics[:8], xs, ys)
