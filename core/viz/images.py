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
