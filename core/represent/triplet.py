"""Metric learning with the triplet loss, for the "learn a distance" lesson.

>>> from core.represent.triplet import TripletEmbedder, compare
>>> model = TripletEmbedder("mnist-5k", dim=2, margin=0.2, mining="semi-hard").fit()   # doctest: +SKIP
>>> model.before_.shape, model.after_.shape                                            # doctest: +SKIP
>>> compare("mnist-5k", embedder=model)                     # k-NN accuracy of four representations  # doctest: +SKIP

A small MLP maps pixels in [0, 1] to a point on the unit sphere (L2-normalised, so every distance lies in
[0, 2]). Training pulls an *anchor* toward a *positive* (same class) and pushes it from a *negative* (another
class) until the negative is at least ``margin`` farther away: ``loss = max(0, d(a, p) - d(a, n) + margin)``.

Each batch holds P classes x K examples, every ordered anchor-positive pair in it is used, and a negative is
picked per pair by a strategy from :data:`MINING` ("random", or "semi-hard" as in FaceNet, Schroff et al.
2015). The split into training and held-out rows is the fixed seeded one of :func:`core.embed.autoencoders.split`;
everything the lesson reports (``before_``, ``after_``, :func:`compare`) is measured on the held-out rows.
Device choice comes from :mod:`core.device`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.checks import check_real, check_whole
from core.embed.autoencoders import _mlp, pixels, split
from core.errors import InputError

# progress(steps done, total steps)
Progress = Callable[[int, int], None] | None

HIDDEN = (256, 128)  # widths of the MLP body, pixels -> 256 -> 128 -> dim
SPLIT_SEED = 0  # the held-out rows are the same whatever the model's random_state


@dataclass(frozen=True)
class Recipe:
    """Defaults per source: passes, Adam's step size, rows per batch and examples per class in a batch."""

    epochs: int
    lr: float
    batch: int
    per_class: int


RECIPES: dict[str, Recipe] = {
    "mnist-5k": Recipe(epochs=30, lr=1e-3, batch=120, per_class=12),  # 10 digits x 12 per batch; ~6 s on 2 CPU cores
    "faces": Recipe(epochs=60, lr=1e-3, batch=64, per_class=4),  # 16 people x 4 photos (about 8 each to train on)
}


def check_source(name: str) -> str:
    if name not in RECIPES:
        raise InputError(f"source={name!r} has no metric-learning lesson; choose one of {', '.join(RECIPES)}")
    return name


# ------------------------------------------------------------------------------------ the triplets
def anchor_positive_pairs(labels):
    """Every ordered pair (a, p), a != p, of rows with the same label: two index tensors."""
    import torch

    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    a, p = torch.nonzero(same, as_tuple=True)
    return a, p


def _random_negatives(dist, labels, a, p, margin: float, generator):
    """A negative drawn uniformly from the batch for each pair."""
    import torch

    negative = labels[a][:, None] != labels[None, :]
    scores = torch.rand(negative.shape, generator=generator).to(dist.device)
    return torch.where(negative, scores, torch.full_like(scores, -1.0)).argmax(dim=1)


def _semi_hard_negatives(dist, labels, a, p, margin: float, generator):
    """Per pair, the nearest negative with d(a, p) < d(a, n) < d(a, p) + margin; else the nearest negative."""
    import torch

    d_an = dist[a]
    d_ap = dist[a, p][:, None]
    negative = labels[a][:, None] != labels[None, :]
    inf = torch.full_like(d_an, float("inf"))
    window = negative & (d_an > d_ap) & (d_an < d_ap + margin)
    semi = torch.where(window, d_an, inf).argmin(dim=1)
    hardest = torch.where(negative, d_an, inf).argmin(dim=1)
    return torch.where(window.any(dim=1), semi, hardest)


@dataclass(frozen=True)
class Mining:
    name: str
    pick: Callable  # (distances, labels, anchors, positives, margin, generator) -> negatives
    description: str


MINING: dict[str, Mining] = {m.name: m for m in [
    Mining("random", _random_negatives, "any other-class example of the batch, drawn at random"),
    Mining("semi-hard", _semi_hard_negatives,
           "the nearest negative farther than the positive but inside the margin (FaceNet); "
           "the hardest negative when the batch has none"),
]}


def pairwise_distances(emb):
    """Euclidean distances between all rows (no gradient: used to choose the negatives)."""
    import torch

    with torch.no_grad():
        sq = (emb * emb).sum(dim=1)
        return (sq[:, None] + sq[None, :] - 2 * emb @ emb.T).clamp_min(0).sqrt()


def triplet_loss(emb, a, p, n, margin: float):
    """Mean of ``max(0, d(a, p) - d(a, n) + margin)`` over the triplets (a, p, n) and the share with a loss > 0."""
    import torch

    def dist(i, j):  # clamped: the gradient of sqrt at 0 would be infinite
        return ((emb[i] - emb[j]) ** 2).sum(dim=1).clamp_min(1e-12).sqrt()

    per = torch.relu(dist(a, p) - dist(a, n) + margin)
    return per.mean(), float((per > 0).float().mean())


def class_batches(labels: np.ndarray, per_class: int, n_classes: int, rng: np.random.Generator):
    """One epoch of batches, each of ``n_classes`` classes x up to ``per_class`` rows of each (row indices).

    An epoch has as many batches as it takes to cover the rows once on average.
    """
    classes = np.unique(labels)
    members = {c: np.flatnonzero(labels == c) for c in classes}
    n_classes = min(n_classes, len(classes))
    steps = max(1, -(-len(labels) // (n_classes * per_class)))
    for _ in range(steps):
        chosen = rng.choice(classes, size=n_classes, replace=False)
        yield np.concatenate([rng.choice(members[c], size=min(per_class, len(members[c])), replace=False)
                              for c in chosen])


# --------------------------------------------------------------------------------------- the model
def _network(n_in: int, dim: int, normalise: bool):
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = _mlp([n_in, *HIDDEN, dim])

        def forward(self, x):
            z = self.body(x)
            return nn.functional.normalize(z, dim=1) if normalise else z

    return Net()


def _rows(X) -> np.ndarray:
    from core.embed.autoencoders import check_pixels

    return check_pixels(X)


def _embed(net, X: np.ndarray, device: str, batch: int = 2048) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for i in range(0, len(X), batch):
            out.append(net(torch.from_numpy(np.ascontiguousarray(X[i:i + batch])).to(device)).float().cpu().numpy())
    return np.concatenate(out)


class TripletEmbedder:
    """An MLP from pixels to a ``dim``-d unit vector, trained with the triplet loss.

    Parameters
    ----------
    source : {"mnist-5k", "faces"}
        The dataset of the lesson (faces are pooled to 32x32); :meth:`fit` loads it unless given rows.
    dim : size of the embedding (2 .. 64); the page plots 2 directly
    margin : how much farther the negative must be than the positive (0.01 .. 2; distances lie in [0, 2])
    mining : {"random", "semi-hard"}, see :data:`MINING`
    epochs, lr, batch, per_class : passes, Adam's step size, rows per batch, examples per class in a batch;
        None takes the source's :data:`RECIPES` value
    random_state : seeds the weights, the batches and random mining (not the split, which is fixed)
    device : "auto", "cpu", "cuda" or "mps"; None reads ``EMBEDLAB_DEVICE`` (see :mod:`core.device`)

    Attributes (after fit)
    ----------------------
    loss_curve_, fraction_active_ : per epoch, the mean triplet loss and the share of triplets with a loss > 0
    train_rows_, test_rows_ : the rows of the split; ``test_labels_`` the held-out labels
    before_, after_ : the held-out rows embedded by the untrained network (same seed) and the trained one
    fit_seconds_ : training time
    """

    def __init__(self, source: str = "mnist-5k", dim: int = 2, margin: float = 0.2, mining: str = "semi-hard",
                 epochs: int | None = None, lr: float | None = None, batch: int | None = None,
                 per_class: int | None = None, random_state: int = 0, device: str | None = None):
        self.source = source
        self.dim = dim
        self.margin = margin
        self.mining = mining
        self.epochs = epochs
        self.lr = lr
        self.batch = batch
        self.per_class = per_class
        self.random_state = random_state
        self.device = device

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("source", "dim", "margin", "mining", "epochs", "lr", "batch",
                                              "per_class", "random_state", "device")}

    def _settings(self) -> dict:
        """The validated parameters, with the recipe's values filled in."""
        recipe = RECIPES[check_source(self.source)]
        if self.mining not in MINING:
            raise InputError(f"mining={self.mining!r} is not known; choose one of {', '.join(MINING)}")
        s = {k: getattr(recipe, k) if getattr(self, k) is None else getattr(self, k)
             for k in ("epochs", "lr", "batch", "per_class")}
        check_whole("dim", self.dim, 2, 64)
        check_whole("epochs", s["epochs"], 1, 500)
        check_whole("batch", s["batch"], 4, 4096)
        check_whole("per_class", s["per_class"], 2, 64)
        check_whole("random_state", self.random_state, 0, 2**32 - 1)
        if s["per_class"] * 2 > s["batch"]:
            raise InputError(f"batch={s['batch']} must hold at least two classes of per_class={s['per_class']} "
                             f"rows: make it at least {2 * s['per_class']}")
        check_real("margin", self.margin, 0.01, 2, "distances lie in [0, 2]; try 0.2")
        check_real("lr", s["lr"], 1e-5, 0.1, "try 0.001")
        return s

    def _build(self, n_in: int):
        import torch

        with torch.random.fork_rng(devices=[]):  # seed the weights without touching the process's RNG
            torch.manual_seed(int(self.random_state))
            return _network(n_in, int(self.dim), normalise=True)

    def fit(self, X=None, y=None, progress: Progress = None) -> TripletEmbedder:
        """Train on the training rows of the fixed split of ``X`` (default: the source's pixels and labels).

        ``progress(done, total)`` is called in steps (batches), epochs included.
        """
        import torch

        from core.device import resolve_device

        s = self._settings()
        if X is None:
            X, y = pixels(self.source)
        elif y is None:
            raise InputError("fit(X, y) needs the labels y with the rows X (or neither, to load the source)")
        X, y = _rows(X), np.asarray(y)
        if len(y) != len(X):
            raise InputError(f"X has {len(X)} rows but y has {len(y)} labels")
        self.device_ = resolve_device(self.device)
        self.n_features_in_ = X.shape[1]
        self.train_rows_, self.test_rows_ = split(len(X), seed=SPLIT_SEED)
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.test_labels_ = y[self.test_rows_]
        train_codes = codes[self.train_rows_]
        if np.bincount(train_codes).max() < 2:
            raise InputError("every class has a single training row: the triplet loss needs two of a class")

        net = self._build(X.shape[1]).to(self.device_)
        self.initial_net_ = self._build(X.shape[1]).to(self.device_).eval()
        self.before_ = _embed(self.initial_net_, X[self.test_rows_], self.device_)

        opt = torch.optim.Adam(net.parameters(), lr=float(s["lr"]))
        data = torch.from_numpy(X[self.train_rows_]).to(self.device_)
        labels = torch.from_numpy(train_codes).to(self.device_)
        rng = np.random.default_rng(int(self.random_state))
        gen = torch.Generator().manual_seed(int(self.random_state))
        pick, margin = MINING[self.mining].pick, float(self.margin)
        per_class = int(s["per_class"])
        n_classes = max(2, int(s["batch"]) // per_class)
        steps = len(list(class_batches(train_codes, per_class, n_classes, np.random.default_rng(0))))
        total, done = int(s["epochs"]) * steps, 0
        self.loss_curve_, self.fraction_active_ = [], []
        start = time.perf_counter()
        net.train()
        for _ in range(int(s["epochs"])):
            losses, active, count = 0.0, 0.0, 0
            for rows in class_batches(train_codes, per_class, n_classes, rng):
                idx = torch.from_numpy(rows).to(self.device_)
                emb, lab = net(data[idx]), labels[idx]
                a, p = anchor_positive_pairs(lab)
                n = pick(pairwise_distances(emb), lab, a, p, margin, gen)
                loss, share = triplet_loss(emb, a, p, n, margin)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                losses += float(loss.detach()) * len(a)
                active += share * len(a)
                count += len(a)
                done += 1
                if progress:
                    progress(done, total)
            self.loss_curve_.append(losses / count)
            self.fraction_active_.append(active / count)
        self.fit_seconds_ = time.perf_counter() - start
        self.net_ = net.eval()
        self.after_ = _embed(self.net_, X[self.test_rows_], self.device_)
        return self

    def _require_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise InputError("this embedder is not trained yet: call fit() first")

    def embed(self, X, trained: bool = True) -> np.ndarray:
        """Unit vectors (n, dim) of rows of pixels; ``trained=False`` uses the untrained network (same seed)."""
        self._require_fitted()
        X = _rows(X)
        if X.shape[1] != self.n_features_in_:
            raise InputError(f"rows have {X.shape[1]} pixels; this model was trained on {self.n_features_in_}")
        return _embed(self.net_ if trained else self.initial_net_, X, self.device_)


# ----------------------------------------------------------------------------- what the lesson shows
def example_triplets(embedder: TripletEmbedder, X, y, n: int = 6, seed: int = 0) -> list[dict]:
    """``n`` random triplets of rows of ``X`` (anchor, positive of its class, negative of another class).

    Each dict holds the three row indices, their labels, and d(a, p), d(a, n) and the triplet's loss before
    and after training.
    """
    check_whole("n", n, 1, 1000)
    X, y = _rows(X), np.asarray(y)
    if len(y) != len(X):
        raise InputError(f"X has {len(X)} rows but y has {len(y)} labels")
    rng = np.random.default_rng(seed)
    anchors = [i for i in rng.permutation(len(y)) if ((y == y[i]).sum() > 1 and (y != y[i]).any())][:n]
    if not anchors:
        raise InputError("no row has both another row of its class and a row of another class")
    emb = {"before": embedder.embed(X, trained=False), "after": embedder.embed(X)}
    margin = float(embedder.margin)
    out = []
    for a in anchors:
        p = int(rng.choice(np.flatnonzero((y == y[a]) & (np.arange(len(y)) != a))))
        neg = int(rng.choice(np.flatnonzero(y != y[a])))
        row = {"anchor": int(a), "positive": p, "negative": neg, "anchor_label": y[a], "negative_label": y[neg]}
        for when, e in emb.items():
            d_ap, d_an = float(np.linalg.norm(e[a] - e[p])), float(np.linalg.norm(e[a] - e[neg]))
            row |= {f"d_ap_{when}": d_ap, f"d_an_{when}": d_an, f"loss_{when}": max(0.0, d_ap - d_an + margin)}
        out.append(row)
    return out


def knn_accuracy(train_emb, train_y, test_emb, test_y, k: int = 5) -> float:
    """Share of the test rows whose ``k`` nearest training rows (Euclidean, majority vote) give the right label."""
    from sklearn.neighbors import KNeighborsClassifier

    train_emb, test_emb = np.asarray(train_emb), np.asarray(test_emb)
    check_whole("k", k, 1, max(1, len(train_emb)))
    clf = KNeighborsClassifier(n_neighbors=int(k)).fit(train_emb, np.asarray(train_y))
    return float(clf.score(test_emb, np.asarray(test_y)))


def classifier_features(X: np.ndarray, y: np.ndarray, train_rows: np.ndarray, dim: int, epochs: int, lr: float,
                        batch: int = 128, random_state: int = 0, device: str | None = None) -> np.ndarray:
    """Features of every row of ``X`` from a plain classifier: the same MLP body trained with cross-entropy.

    The features are the body's ``dim``-wide output (the layer before the linear class head), not normalised.
    """
    import torch
    from torch import nn

    from core.device import resolve_device

    device = resolve_device(device)
    _, codes = np.unique(y, return_inverse=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(random_state))
        body = _network(X.shape[1], dim, normalise=False)
        head = nn.Linear(dim, int(codes.max()) + 1)
    model = nn.Sequential(body, head).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=float(lr))
    data = torch.from_numpy(np.ascontiguousarray(X[train_rows])).to(device)
    target = torch.from_numpy(codes[train_rows]).to(device)
    gen = torch.Generator().manual_seed(int(random_state))
    model.train()
    for _ in range(int(epochs)):
        order = torch.randperm(len(data), generator=gen).to(device)
        for i in range(0, len(data), batch):
            rows = order[i:i + batch]
            loss = nn.functional.cross_entropy(model(data[rows]), target[rows])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return _embed(body.eval(), X, device)


def compare(source: str = "mnist-5k", k: int = 5, embedder: TripletEmbedder | None = None, **params):
    """k-NN accuracy on the held-out rows of four representations of ``source``.

    Rows: raw pixels, the pixels' first ``dim`` principal components (PCA fitted on the training rows), the
    untrained network, the triplet embedding, and the features of a plain classifier
    (same body and dim, trained with cross-entropy on the same rows for as many epochs). ``embedder`` is a
    fitted :class:`TripletEmbedder` of this source to reuse; otherwise one is trained with ``params``.
    Columns: representation, dim, knn_accuracy, seconds (training time, 0 when nothing is trained).
    """
    import pandas as pd

    check_source(source)
    X, y = pixels(source)
    if embedder is None:
        embedder = TripletEmbedder(source=source, **params).fit(X, y)
    else:
        embedder._require_fitted()
        if embedder.source != source:
            raise InputError(f"the embedder was trained on {embedder.source!r}, not {source!r}")
    s = embedder._settings()
    train, test = embedder.train_rows_, embedder.test_rows_
    dim = int(embedder.dim)
    start = time.perf_counter()
    feats = classifier_features(X, y, train, dim, s["epochs"], s["lr"], random_state=int(embedder.random_state),
                                device=embedder.device)
    classifier_seconds = time.perf_counter() - start
    untrained, trained = embedder.embed(X, trained=False), embedder.embed(X)
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, random_state=0).fit(X[train])
    rows = [
        ("raw pixels", X, 0.0),
        (f"pixels, PCA to {dim}-d", pca.transform(X), 0.0),
        ("untrained network", untrained, 0.0),
        ("triplet embedding", trained, embedder.fit_seconds_),
        ("plain classifier features", feats, classifier_seconds),
    ]
    return pd.DataFrame([{"representation": name, "dim": rep.shape[1],
                          "knn_accuracy": knn_accuracy(rep[train], y[train], rep[test], y[test], k=k),
                          "seconds": seconds} for name, rep, seconds in rows])
