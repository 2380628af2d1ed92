"""Small pictures of data rows: PNG data URIs for tables, upscaled thumbnails for grids."""

from __future__ import annotations

import base64
import io

import numpy as np


def thumbnail(image: np.ndarray, size: int = 64) -> np.ndarray:
    """An image scaled (nearest neighbour, so 8x8 digits stay crisp) to about ``size`` pixels a side."""
    from PIL import Image

    img = Image.fromarray(np.asarray(image, dtype=np.uint8))
    scale = max(1, round(size / max(img.size)))
    return np.asarray(img.resize((img.width * scale, img.height * scale), Image.NEAREST))


def png_data_uri(image: np.ndarray, size: int = 64) -> str:
    """``data:image/png;base64,...`` of a thumbnail (for ``st.column_config.ImageColumn``)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(thumbnail(image, size)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


SPRITE_PIXELS = 1_200_000  # a sheet stays around half a megabyte of PNG


def sprite_sheet(images: np.ndarray, tile: int = 32) -> tuple[str, int, int]:
    """All images as one PNG grid (a sprite sheet), so a browser gets every thumbnail in one file.

    Tiles are at most ``tile`` pixels a side, no larger than the images themselves (the browser
    scales them up, pixelated), and smaller when there are many images (about 1.2M pixels in all).
    Returns the PNG as a data URI, the number of columns and the tile size in pixels; image ``i``
    sits at column ``i % cols``, row ``i // cols``.
    """
    from PIL import Image

    images = np.asarray(images, dtype=np.uint8)
    n = len(images)
    if n == 0:
        raise ValueError("no images")
    tile = int(max(4, min(tile, max(images.shape[1:3]), np.sqrt(SPRITE_PIXELS / n))))
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    rgb = images.ndim == 4
    sheet = np.zeros((rows * tile, cols * tile, 3) if rgb else (rows * tile, cols * tile), dtype=np.uint8)
    h, w = images.shape[1:3]
    resample = Image.NEAREST if max(h, w) <= tile else Image.BILINEAR
    for i, image in enumerate(images):
        small = np.asarray(Image.fromarray(image).resize((tile, tile), resample))
        r, c = divmod(i, cols)
        sheet[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile] = small
    buf = io.BytesIO()
    Image.fromarray(sheet).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), cols, tile
