"""Pieces shared by the generative lab's latent pages: the model and seed pickers, a picture beside its nearest
training image, and the latent slice's clicked point (URL key ``at``)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.errors import EmbedLabError
from core.generate import latent, models
from core.viz.generate import enlarge
from dashboard import cached, state

DEFAULT_MODEL = "faces-dcgan"
SLICE_CHART = "gen_slice_grid"
MAX_SEED = 99_999  # the pages' seeds (core takes up to 2**31 - 1; five digits are plenty and read well in a link)
MAX_AT = 12.5  # a clicked point lies within the largest extent (10) and half a picture beyond it (grid 5)


def generator(name: str):
    """The loaded model, or an explained error that ends the run (missing weights, say)."""
    try:
        return cached.generator(name)
    except EmbedLabError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def model_picker(container=st, on_change=None):
    """The latent model (URL ``gm``) and its loaded generator."""
    names = list(models.LATENT_MODELS)
    state.check_url_choice(state.GEN_MODEL, names, "the generative model")
    name = container.selectbox("Model", names, index=names.index(DEFAULT_MODEL), key=state.GEN_MODEL,
                               bind="query-params", on_change=on_change,
                               help=" · ".join(f"{n}: {models.MODELS[n].description}" for n in names))
    return name, generator(name)


def seed_picker(container=st, label: str = "Seed") -> int:
    state.check_number(state.GEN_SEED, 0, MAX_SEED, "the seed", integer=True)
    return int(container.number_input(label, 0, MAX_SEED, 0, key=state.GEN_SEED, bind="query-params",
                                      help="The same seed always draws the same latent vectors, so the same pictures."))


def class_picker(gen, key: str, label: str, default: str, container=st) -> str:
    state.check_url_choice(key, gen.classes, "the class")
    return container.radio(label, gen.classes, index=gen.classes.index(default), key=key, bind="query-params",
                           horizontal=True)


def cycled_labels(gen, n: int) -> tuple | None:
    """A conditional model draws each class in turn (sample i is class i mod the number of classes)."""
    return tuple(gen.classes[i % len(gen.classes)] for i in range(n)) if gen.spec.conditional else None


def big(picture: np.ndarray, size: int = 192) -> np.ndarray:
    return enlarge(np.asarray(picture)[None], size)[0]


def nearest_panel(name: str, gen, picture: np.ndarray, caption: str) -> None:
    """A generated picture beside its nearest training image, with the distance against held-out real images'."""
    rows, dist, mirrored = cached.gen_nearest(name, np.asarray(picture)[None])
    train = cached.gen_pictures(name)
    row, d = int(rows[0]), float(dist[0])
    nearest = train["train"][row][:, ::-1] if mirrored[0] else train["train"][row]
    c1, c2 = st.columns(2)
    c1.image(big(picture), caption=caption)
    c2.image(big(nearest), caption=f"nearest training image (#{row}, {train['train_labels'][row]}"
                                   + (", mirrored: the model trained on mirror images too)" if mirrored[0] else ")"))
    m1, m2 = st.columns(2)
    m1.metric("RMS distance to it", f"{d:.3f}", help="Root-mean-square pixel difference, pixels on a 0..1 scale.")
    heldout = gen.meta.get("quality", {}).get("median_nn_distance_heldout")
    if heldout is None:
        return
    m2.metric("held-out real: median", f"{heldout:.3f}",
              help="The same distance for real images no model saw, to their nearest training image.")
    verdict = ("much closer than new real images are: look for a copy" if d < 0.8 * heldout else
               "about as far as new real images are, or farther: a new picture, not a copy")
    st.caption(f"This one is {verdict}. A generator that memorised its training set would sit much closer to it "
               "than real images it never saw.")


def picked_point() -> tuple[float, float] | None:
    """The plane point the link decodes (URL ``at``: "x,y"); a malformed one is explained and dropped."""
    return state.url_point(state.SLICE_AT, MAX_AT, "plane point", "x,y", "Click in the grid to pick one.")


def on_slice_click() -> None:
    state.store_clicked_point(SLICE_CHART, state.SLICE_AT)


def grid_labels(n: int, a: int, b: int, c: int) -> list[str]:
    """Each sample's number, with its roles in the walk and the arithmetic ("#3 A")."""
    roles: dict[int, str] = {}
    for i, role in ((a, "A"), (b, "B"), (c, "C")):
        roles[i] = f"{roles.get(i, '')} {role}".strip()
    return [f"#{i} {roles.get(i, '')}".strip() for i in range(n)]


def _one_hot(gen) -> np.ndarray:
    return np.eye(len(gen.classes), dtype=np.float32)


def walk_labels(gen, a: int, b: int, steps: int) -> np.ndarray | None:
    """The conditional model's class weights along a walk from sample a to sample b (classes a and b mod k)."""
    if not gen.spec.conditional:
        return None
    eye, k = _one_hot(gen), len(gen.classes)
    return latent.lerp(eye[a % k], eye[b % k], steps)


def sum_labels(gen, a: int, b: int, c: int) -> np.ndarray | None:
    """The conditional model's class weights of A - B + C (one row): the class code is linear in them."""
    if not gen.spec.conditional:
        return None
    eye, k = _one_hot(gen), len(gen.classes)
    return latent.arithmetic(eye[a % k], eye[b % k], eye[c % k])[None]
