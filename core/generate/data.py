"""The images the generative lab trains on: built-in sets and uploaded image collections, as tensors in [-1, 1].

>>> from core.generate.data import images, edges
>>> imgs = images("mnist-5k")            # doctest: +SKIP
>>> imgs.x.shape, imgs.labels[:3]        # (5000, 1, 32, 32), ['5', '0', '4']   # doctest: +SKIP
>>> edges(imgs.x[:8]).shape              # Canny edge maps, the input of the image-to-image model  # doctest: +SKIP

Pixels are float32 in [-1, 1] (what a tanh generator outputs), shaped (n, channels, side, side). MNIST's 28x28
digits are padded to 32x32, as in the DCGAN literature; the ORL faces are 64x64. Uploaded collections (a zip
or folder of pictures, see :mod:`core.represent.images`) are taken from their 64x64 thumbnails (each picture
fitted into a white square, so a non-square photo brings white bars), made grey, resized to the side asked for,
and randomly mirrored in training. The held-out
rows are the fixed seeded split of :func:`core.embed.autoencoders.split`, so memorisation can be measured
against images no model saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import InputError

MIN_IMAGES = 16  # fewer pictures than this cannot train a GAN in any sense
MAX_IMAGES = 20_000  # the largest upload trained on (memory and the page's time budget)


@dataclass(frozen=True)
class ImageSet:
    """A built-in training set: a dataset of core.datasets, its side here, and how it is augmented."""

    name: str
    dataset: str
    side: int
    flip: bool  # random horizontal flips double a small set of faces; digits must not be mirrored
    description: str


SETS: dict[str, ImageSet] = {s.name: s for s in (
    ImageSet("mnist-5k", "mnist-5k", 32, False, "5,000 MNIST digits (500 per class), padded to 32x32"),
    ImageSet("faces", "faces", 64, True, "the 400 ORL/Olivetti faces (40 people x 10 shots), 64x64"),
)}


@dataclass
class Images:
    """Pixels in [-1, 1], shape (n, channels, side, side), with one label per image."""

    name: str
    x: np.ndarray
    labels: np.ndarray
    flip: bool = False

    @property
    def side(self) -> int:
        return int(self.x.shape[-1])

    def __len__(self) -> int:
        return len(self.x)


def _resize(pictures: np.ndarray, side: int) -> np.ndarray:
    """uint8 pictures (n, h, w) or (n, h, w, 3) -> float32 grey (n, side, side) in [0, 1]."""
    from PIL import Image

    out = np.empty((len(pictures), side, side), dtype=np.float32)
    for i, p in enumerate(pictures):
        im = Image.fromarray(np.asarray(p, dtype=np.uint8))
        out[i] = np.asarray(im.convert("L").resize((side, side), Image.BILINEAR), dtype=np.float32) / 255.0
    return out


def to_unit(x01: np.ndarray) -> np.ndarray:
    """[0, 1] -> [-1, 1]."""
    return (np.asarray(x01, dtype=np.float32) * 2.0 - 1.0).astype(np.float32)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Generator output in [-1, 1], (n, 1, s, s) or (n, s, s) -> uint8 pictures (n, s, s)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 4:
        x = x[:, 0] if x.shape[1] == 1 else np.moveaxis(x, 1, -1)
    return np.clip((x + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)


def _builtin(spec: ImageSet) -> Images:
    from core import datasets

    data = datasets.load(spec.dataset)
    pix = np.asarray(data.vectors, dtype=np.float32)
    native = int(round(np.sqrt(pix.shape[1])))
    pix = pix.reshape(-1, native, native)
    if native < spec.side:  # MNIST 28 -> 32: pad with background, as DCGAN papers do
        pad = (spec.side - native) // 2
        pix = np.pad(pix, ((0, 0), (pad, spec.side - native - pad), (pad, spec.side - native - pad)))
    elif native != spec.side:
        pix = _resize((pix * 255).astype(np.uint8), spec.side)
    return Images(spec.name, to_unit(pix)[:, None], np.asarray(data.labels).astype(str), spec.flip)


def set_names(include_uploads: bool = True) -> list[str]:
    """Built-in sets first, then the uploaded image collections of the workspace (by id)."""
    names = list(SETS)
    if include_uploads:
        from core.represent import images as collections

        names += [n for n in collections.collection_names() if n not in collections.COLLECTIONS]
    return names


def images(name: str, side: int | None = None) -> Images:
    """The training images of a built-in set, or of an uploaded image collection resized to ``side`` (32 or 64)."""
    if name in SETS:
        spec = SETS[name]
        if side not in (None, spec.side):
            raise InputError(f"{name} is trained at {spec.side}x{spec.side}, not {side}x{side}")
        return _builtin(spec)
    from core.represent import images as collections

    if name in collections.COLLECTIONS:
        raise InputError(f"{name!r} is not a training set of the generative lab; choose one of {', '.join(SETS)} "
                         "or the id of an uploaded image zip")
    ds = collections.load_collection(name)  # clear errors for unknown ids and datasets without pictures
    n = len(ds.images)
    if n < MIN_IMAGES:
        raise InputError(f"{name} has {n} pictures; a GAN needs at least {MIN_IMAGES} (a few hundred is better)")
    if n > MAX_IMAGES:
        raise InputError(f"{name} has {n:,} pictures; the lab trains on at most {MAX_IMAGES:,}: upload a sample")
    side = 32 if side is None else side
    if side not in (32, 64):
        raise InputError(f"side={side!r} must be 32 or 64")
    return Images(name, to_unit(_resize(ds.images, side))[:, None], np.asarray(ds.labels).astype(str), flip=True)


def split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, held-out rows): the fixed 80/20 split every shipped model was trained with."""
    from core.embed.autoencoders import split as seeded_split

    return seeded_split(n, test_fraction=0.2, seed=0)


# ------------------------------------------------------------------------------------ edge maps
def edges(x: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Canny edge maps (scikit-image) of images in [-1, 1], as images in [-1, 1]: edges +1, the rest -1.

    This is the "sketch" the image-to-image model learns to turn back into a picture.
    """
    from skimage.feature import canny

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 4 or x.shape[1] != 1:
        raise InputError(f"expected grey images shaped (n, 1, side, side), got {x.shape}")
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i, 0] = np.where(canny((x[i, 0] + 1) / 2, sigma=sigma), 1.0, -1.0)
    return out


def sketch(picture: np.ndarray, side: int) -> np.ndarray:
    """An uploaded drawing or photo -> an edge map like :func:`edges` makes, shape (1, 1, side, side).

    A light background is inverted so that strokes are bright, as in MNIST; then Canny traces the outlines,
    exactly as the training inputs were made.
    """
    grey = _resize(np.asarray(picture)[None], side)[0]
    if grey.max() - grey.min() < 0.1:
        raise InputError("the sketch is blank: draw strokes in a dark colour on a light background (or the reverse)")
    if np.median(grey) > 0.5:  # dark strokes on light paper
        grey = 1.0 - grey
    grey = (grey - grey.min()) / (grey.max() - grey.min())
    return edges(to_unit(grey)[None, None])
