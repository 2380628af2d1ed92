"""Sprite sheets: every thumbnail of an image dataset in one PNG, each tile where the page expects it."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.viz.images import sprite_sheet


def _decode(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_each_image_sits_at_its_row_and_column():
    images = np.stack([np.full((8, 8), 10 * i, dtype=np.uint8) for i in range(11)])
    uri, cols, tile = sprite_sheet(images, tile=32)
    assert (cols, tile) == (4, 8)  # never larger than the images: the browser scales up, pixelated
    sheet = _decode(uri)
    assert sheet.shape == (3 * 8, 4 * 8)
    for i in range(11):
        r, c = divmod(i, cols)
        assert (sheet[r * 8:(r + 1) * 8, c * 8:(c + 1) * 8] == 10 * i).all()
    assert (sheet[2 * 8:, 3 * 8:] == 0).all()  # the unused last tile stays blank


def test_many_or_big_images_get_smaller_tiles_and_rgb_stays_rgb():
    rgb = np.random.default_rng(0).integers(0, 255, size=(5, 64, 64, 3), dtype=np.uint8)
    uri, cols, tile = sprite_sheet(rgb, tile=32)
    assert tile == 32 and _decode(uri).shape == (2 * 32, 3 * 32, 3)
    many = np.zeros((20_000, 28, 28), dtype=np.uint8)
    _, _, tile = sprite_sheet(many, tile=32)
    assert tile == int(np.sqrt(1_200_000 / 20_000))  # the pixel budget shrinks the tiles


def test_no_images_is_refused():
    with pytest.raises(ValueError, match="no images"):
        sprite_sheet(np.zeros((0, 8, 8), dtype=np.uint8))
