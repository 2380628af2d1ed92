"""How good, how varied and how original a generator's pictures are; the figures of the model cards.

- **Fidelity and diversity**: k-NN precision and recall (Kynkäänniemi et al. 2019) in two feature spaces: an
  ImageNet CNN's (EfficientNet-Lite0, the image lab's encoder), which is strict about texture and artefacts, and
  the 50 principal components of the training pictures (eigenfaces / eigendigits), which judges the overall shape.
  Each set of features is covered by balls reaching
  each point's k-th nearest neighbour in its own set; *precision* is the share of generated images inside the
  real images' balls (do they look real?), *recall* the share of real images inside the generated images' balls
  (is every kind of real image made?).
- **Memorisation**: the distance from each generated image to its nearest *training* image (or its mirror image,
  for a set trained with flips), beside the same distance for held-out real images, which no model saw. A
  generator that copied its training set would sit much closer to it than new real images do.
- **Digits**: a classifier of real digits (scikit-learn's SVC, trained on the same training split) names each
  generated digit: for the conditional model the share drawn as asked; for the unconditional one how evenly the
  ten digits come out (mode collapse shows as a missing digit); for pix2pix whether the translation keeps the digit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.errors import InputError

K = 3  # neighbours for the precision/recall balls (the paper's default)
N_EVAL = 500  # generated and real images compared


def _as_rows(pictures: np.ndarray) -> np.ndarray:
    p = np.asarray(pictures)
    if p.ndim != 3:
        raise InputError(f"expected pictures shaped (n, side, side), got {p.shape}")
    return p.reshape(len(p), -1).astype(np.float32) / 255.0


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def nearest(pictures: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each picture, the row of the nearest reference picture and the RMS pixel distance to it (0-1 scale)."""
    a, b = _as_rows(pictures), _as_rows(reference)
    if a.shape[1] != b.shape[1]:
        raise InputError(f"pictures of {a.shape[1]} pixels cannot be compared with pictures of {b.shape[1]}")
    rows, dist = np.empty(len(a), dtype=np.int64), np.empty(len(a))
    for i in range(0, len(a), 256):
        d = _sq_dists(a[i:i + 256], b)
        rows[i:i + 256] = d.argmin(1)
        dist[i:i + 256] = np.sqrt(d.min(1) / a.shape[1])
    return rows, dist


def nearest_mirrored(pictures: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`nearest` among the reference pictures and their left-right mirror images (for a model trained with
    random flips, a mirrored copy is a copy): (rows, distances, whether the nearest is the mirror image)."""
    rows, dist = nearest(pictures, reference)
    rows_m, dist_m = nearest(pictures, np.asarray(reference)[:, :, ::-1])
    flipped = dist_m < dist
    return np.where(flipped, rows_m, rows), np.minimum(dist, dist_m), flipped


def _radii(x: np.ndarray, k: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return dist[:, k]  # column 0 is the point itself


def _covered(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    d = np.sqrt(_sq_dists(points.astype(np.float64), centres.astype(np.float64)))
    return (d <= radii[None, :]).any(axis=1)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = K) -> tuple[float, float]:
    """k-NN precision and recall of ``fake`` feature rows against ``real`` ones (Kynkäänniemi et al. 2019)."""
    real, fake = np.asarray(real, dtype=np.float64), np.asarray(fake, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise InputError("precision and recall need two feature matrices with the same number of columns")
    if min(len(real), len(fake)) <= k:
        raise InputError(f"precision and recall need more than k={k} rows on each side")
    precision = float(_covered(fake, real, _radii(real, k)).mean())
    recall = float(_covered(real, fake, _radii(fake, k)).mean())
    return precision, recall


def pca_space(train_pictures: np.ndarray, n_components: int = 50):
    """A function mapping pictures to their coordinates on the training pictures' top principal components."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=n_components, random_state=0).fit(_as_rows(train_pictures))
    return lambda pictures: pca.transform(_as_rows(pictures))


def features(pictures: np.ndarray, progress=None) -> np.ndarray:
    """EfficientNet-Lite0 features of uint8 pictures (the image lab's encoder)."""
    from core.represent.images import encode_images

    return encode_images(pictures, progress=progress)


def memorisation(samples: np.ndarray, train: np.ndarray, heldout: np.ndarray, mirrored: bool = False) -> dict:
    """Nearest-training-image distances of generated pictures beside those of held-out real pictures (with
    ``mirrored``, the training pictures' mirror images count too)."""
    find = (lambda p: nearest_mirrored(p, train)[1]) if mirrored else (lambda p: nearest(p, train)[1])
    d_fake, d_real = find(samples), find(heldout)
    floor = float(np.quantile(d_real, 0.01))
    return {"median_nn_distance_samples": float(np.median(d_fake)),
            "median_nn_distance_heldout": float(np.median(d_real)),
            "share_closer_than_heldout_p1": float((d_fake < floor).mean())}


def digit_classifier(train_pictures: np.ndarray, train_labels, test_pictures: np.ndarray, test_labels):
    """An RBF SVC trained on real digits: (the fitted classifier, its held-out accuracy)."""
    from sklearn.svm import SVC

    clf = SVC(C=10.0, gamma="scale").fit(_as_rows(train_pictures), np.asarray(train_labels))
    acc = float((clf.predict(_as_rows(test_pictures)) == np.asarray(test_labels)).mean())
    return clf, acc


def evaluate(gen, n: int = N_EVAL, seed: int = 12345, log: Callable[[str], None] = print) -> dict:
    """Every figure of the model card for a loaded :class:`~core.generate.models.Generative`."""
    from core.generate.data import edges, to_uint8
    from core.generate.models import training_images

    train, test = training_images(gen.spec)
    train_pics, test_pics = to_uint8(train.x), to_uint8(test.x)
    rng = np.random.default_rng(seed)
    out: dict = {"n": int(n), "k": K, "feature_space": "EfficientNet-Lite0 (ImageNet), 1280-d"}
    digits = gen.spec.data == "mnist-5k"
    clf = None
    if digits:
        clf, acc = digit_classifier(train_pics, train.labels, test_pics, test.labels)
        out["classifier_heldout_accuracy"] = acc
    if gen.spec.image_to_image:
        m = min(n, len(test))
        rows = rng.choice(len(test), m, replace=False)
        samples = gen.translate(edges(test.x[rows]))
        truth = test_pics[rows]
        out["heldout_l1"] = float(np.abs(samples.astype(np.float32) - truth).mean() / 255.0)
        if clf is not None:
            out["translation_digit_accuracy"] = float((clf.predict(_as_rows(samples)) == test.labels[rows]).mean())
        real = test_pics[rows]
    else:
        labels = None
        if gen.spec.conditional:
            labels = np.array(gen.classes)[np.arange(n) % len(gen.classes)]
        samples = gen.sample(n, seed=seed, labels=labels)
        if clf is not None:
            named = clf.predict(_as_rows(samples))
            if labels is not None:
                out["conditional_accuracy"] = float((named == labels).mean())
            shares = np.array([(named == c).mean() for c in sorted(set(train.labels.tolist()))])
            out["digit_shares"] = {c: float(s) for c, s in zip(sorted(set(train.labels.tolist())), shares,
                                                                strict=True)}
        real = train_pics[rng.choice(len(train_pics), min(n, len(train_pics)), replace=False)]
    out.update(memorisation(samples, train_pics, test_pics, mirrored=train.flip))
    out["memorisation_mirrored"] = bool(train.flip)
    log(f"{gen.spec.name}: encoding {len(real) + len(samples)} pictures for precision/recall…")
    spaces = {"": features, "_pca": pca_space(train_pics)}
    out["feature_space_pca"] = "the training pictures' 50 principal components"
    m = min(len(test_pics), len(samples))
    heldout = test_pics[rng.choice(len(test_pics), m, replace=False)]  # a random subset: the rows come by class
    for suffix, embed in spaces.items():
        real_f = embed(real)
        out[f"precision{suffix}"], out[f"recall{suffix}"] = precision_recall(real_f, embed(samples))
        # the same figures for held-out real images: the ceiling a perfect generator would reach
        if not gen.spec.image_to_image:
            p_ref, r_ref = precision_recall(real_f, embed(heldout))
            out[f"precision{suffix}_heldout_real"], out[f"recall{suffix}_heldout_real"] = p_ref, r_ref
    return out


def remeasure(name: str, folder=None, log: Callable[[str], None] = print) -> dict:
    """Measure a shipped model again (no training) and write the figures into its record."""
    import json

    from core.generate import models

    folder = models.SHIPPED_DIR if folder is None else folder
    path = models.shipped_paths(name, folder)["meta"]
    if not path.is_file():
        raise InputError(f"{path} is missing: there is no trained {name} to measure in that folder; train it with "
                         f"`embedlab train-generative --model {name}`")
    record = json.loads(path.read_text(encoding="utf-8"))
    record["quality"] = evaluate(models.load(name, folder=folder), log=log)
    models.write_file(path, json.dumps(record, separators=(",", ":")).encode("utf-8"))
    return record
