"""Pieces of the autoencoder lesson: the clickable latent plane, and training a model from the page."""

from __future__ import annotations

import time

import streamlit as st

from core.embed import autoencoders as ae
from core.errors import EmbedLabError
from core.explore import color_spec
from core.viz.autoencoders import latent_figure, loss_figure
from core.viz.scatter import projector_figure
from dashboard import cached, state

LATENT_CHART = "ae_latent"
RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01)
DEFAULT_EPOCHS = 20  # a few seconds on two cores, and enough for a 2-D code to beat PCA on MNIST


def walk_ends(source: str) -> tuple[str, str]:
    """The default ends of the latent walk: the first and the middle held-out image."""
    test = cached.ae_data(source)[3]
    ids = cached.dataset(ae.SOURCES[source].dataset).ids
    return str(ids[test[0]]), str(ids[test[len(test) // 2]])  # the data are sorted by class: two classes


def new_source() -> None:
    """The dataset changed: the walk's ends, the decoded point and a trained model belong to the old one."""
    first, second = walk_ends(st.session_state[state.DATASET])
    state.reset_widgets({state.FROM: first, state.TO: second})
    state.set_url(state.LATENT, None)
    state.set_url(state.TRAINED, None)


def picked_point(span: float) -> tuple[float, float] | None:
    """The latent position the link decodes (URL key ``z``: "z1,z2"); a malformed one is explained."""
    return state.url_point(state.LATENT, 10, "latent point", "z1,z2", "Click in the plane to pick one.")


def _on_click() -> None:
    state.store_clicked_point(LATENT_CHART, state.LATENT)


def latent_plane(source: str, span: float, picked) -> None:
    """The VAE's latent plane with the images' codes; a click anywhere decodes that point."""
    data = cached.dataset(ae.SOURCES[source].dataset)
    fig = latent_figure(cached.ae_codes(source, "vae", 2), color_spec(data.meta, "label"), data.labels, span, picked)
    st.plotly_chart(fig, key=LATENT_CHART, on_select=_on_click, selection_mode="points",
                    config={"displaylogo": False})


def _train_controls() -> tuple[str, int, int, float]:
    c1, c2, c3, c4 = st.columns(4)
    state.check_url_choice(state.TRAIN_KIND, list(ae.KINDS), "the model kind")
    state.check_url_choice(state.TRAIN_CODE, [str(k) for k in ae.CODE_SIZES], "the code size")
    state.check_number(state.EPOCHS, 1, 100, "the number of epochs", integer=True)
    state.check_url_choice(state.TRAIN_LR, [str(r) for r in RATES], "the learning rate")
    forget = {"on_change": state.set_url, "args": (state.TRAINED, None)}
    kind = c1.selectbox("Model", list(ae.KINDS), key=state.TRAIN_KIND, bind="query-params",
                        help="ae: plain autoencoder; vae: variational", **forget)
    code = c2.selectbox("Code size", [str(k) for k in ae.CODE_SIZES], key=state.TRAIN_CODE, bind="query-params",
                        **forget)
    epochs = c3.slider("Epochs", 1, 100, DEFAULT_EPOCHS, key=state.EPOCHS, bind="query-params", **forget)
    rate = c4.select_slider("Learning rate", [str(r) for r in RATES], "0.001", key=state.TRAIN_LR,
                            bind="query-params", **forget)
    return kind, int(code), int(epochs), float(rate)


def train_panel(source: str) -> None:
    """Train a model from the page with a progress bar and a live loss curve; then show how it did."""
    kind, code, epochs, rate = _train_controls()
    if st.button("Train", type="primary", icon=":material/model_training:"):
        state.set_url(state.TRAINED, "1")
    if state.url_value(state.TRAINED) != "1":
        st.caption("Training starts from fresh random weights (seeded: a shared link trains the same model).")
        return
    bar, live = st.empty(), st.empty()
    last = [0.0]

    def progress(fraction: float, losses: list) -> None:
        bar.progress(fraction, text=f"Training… {fraction:.0%}")
        if losses and (time.perf_counter() - last[0] > 0.4 or fraction >= 1):
            last[0] = time.perf_counter()
            live.plotly_chart(loss_figure(losses, epochs), key=f"loss_live_{time.perf_counter_ns()}")

    try:
        model = cached.trained_autoencoder(source, kind, code, epochs, rate, progress=progress)
    except EmbedLabError as exc:
        st.error(f"Training failed: {exc}", icon=":material/error:")
        return
    finally:
        bar.empty()
    live.plotly_chart(loss_figure(model.loss_curve_, epochs), key="loss_final")
    x, labels, _, test = cached.ae_data(source)
    pca, shipped = cached.ae_errors(source)
    mine = float(model.reconstruction_error(x[test]).mean())
    same = (kind, code) in ae.SHIPPED_MODELS  # compare with the shipped model of the same kind when there is one
    ref = cached.ae_model(source, kind if same else "ae", code)
    ref_error = shipped[code] if ref.kind == "ae" else float(ref.reconstruction_error(x[test]).mean())
    a, b, c = st.columns(3)
    a.metric("your model: held-out MSE", f"{mine:.4f}")
    b.metric(f"PCA with {code} components", f"{pca[code]:.4f}")
    c.metric(f"shipped {ae.KINDS[ref.kind].title} ({ref.epochs} epochs)", f"{ref_error:.4f}")
    st.caption(f"Trained on {len(x) - len(test):,} images in {model.fit_seconds_:.1f} s on {model.device_}.")
    if code == 2:
        data = cached.dataset(ae.SOURCES[source].dataset)
        st.plotly_chart(projector_figure(model.encode(x), color_spec(data.meta, "label"), labels, height=420),
                        key="ae_trained_codes")
