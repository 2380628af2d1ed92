"""Pieces of the recommendation lab: the interaction set (or an upload), a model with its parameters, a user,
a movie, and a list of recommendations that names its reasons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import EmbedLabError
from dashboard import cached, state
from dashboard.components import picker


def _ratings_caption(data) -> str:
    return (f"{data.credit} · {data.n_users:,} users, {data.n_items:,} items, {data.n:,} "
            f"{'ratings' if data.explicit else 'interactions'}")


RATING_SETS = picker.Collection(
    key=state.RATINGS, label="Ratings", help="ml-100k is MovieLens 100k; r-… are interactions you uploaded (CSV).",
    catalog=cached.ratings_catalog, load=cached.ratings, caption=_ratings_caption,
    upload_form=lambda: _upload_form(), upload_title="Upload your own interactions", fallback="MovieLens")


def pick_ratings(default: str = "ml-100k") -> tuple[str, object]:
    """The interaction-set picker (URL key ``rs``: ml-100k or an upload's id) with an upload form under it;
    returns ``(name, ratings)``. With nothing to show (MovieLens not installed, nothing uploaded) it says how
    to get it, offers the upload and stops the page."""
    return picker.pick(RATING_SETS, default)


def _upload_form() -> None:
    from core.recommend.uploads import UPLOAD_HELP, save_ratings

    st.markdown(UPLOAD_HELP)
    with st.form("ratings_upload", border=False):
        file = st.file_uploader("Interactions (CSV)", type=["csv", "tsv"], key="ratings_file")
        items = st.file_uploader("Item metadata (optional CSV)", type=["csv", "tsv"], key="ratings_items")
        submitted = st.form_submit_button("Add interactions", icon=":material/add:")
    if not submitted:
        return
    if file is None:
        st.error("Choose an interactions file first.")
        return
    try:
        with st.spinner(f"Reading {file.name}…"):
            rid = save_ratings(file.name, file.getvalue(), items.name if items else None,
                               items.getvalue() if items else None)
    except EmbedLabError as exc:
        st.error(f"{file.name} was not added: {exc}.", icon=":material/error:")
        return
    st.toast(f"Added {file.name}.", icon=":material/check:")
    picker.select_next_run(RATING_SETS, rid)


def pick_model(default: str = "ease", only=None, label: str = "Model", key: str | None = None):
    """A model of the registry and its parameters (sliders from the registry's ``Param`` entries, each in the
    URL as ``<model>_<param>``); returns ``(name, params)`` with params a sorted tuple for the cache."""
    from core.recommend.models import MODELS

    names = [n for n in MODELS if only is None or only(MODELS[n])]
    key = key or state.MODEL
    state.check_url_choice(key, names, "the model")
    name = st.selectbox(label, names, index=names.index(default) if default in names else 0, key=key,
                        bind="query-params", help=" · ".join(f"{n}: {MODELS[n].label}" for n in names))
    spec = MODELS[name]
    st.caption(f"**{spec.label}**: {spec.summary}")
    params = {}
    if spec.params:
        with st.expander(f"{spec.label}: parameters", icon=":material/tune:"):
            for p in spec.params:
                params[p.name] = _param_widget(name, p)
    return name, tuple(sorted(params.items()))


def _param_widget(model: str, p):
    key = f"{model}_{p.name}"
    if p.choices:
        choices = list(p.choices)
        state.check_url_choice(key, choices, f"{p.name} of {model}")
        return st.selectbox(p.name, choices, index=choices.index(p.default), key=key, bind="query-params",
                            help=p.help)
    integer = isinstance(p.default, int) and not isinstance(p.default, bool)
    lo, hi = p.low, p.high
    state.check_number(key, lo, hi, f"{p.name} of {model}", integer=integer)
    if integer:
        return int(st.slider(p.name, int(lo), int(hi), int(p.default), step=int(p.step or 1), key=key,
                             bind="query-params", help=p.help))
    return float(st.slider(p.name, float(lo), float(hi), float(p.default), step=float(p.step or (hi - lo) / 100),
                           key=key, bind="query-params", help=p.help))


def fitted(name: str, model: str, params: tuple):
    """The model fitted on the whole set, or the page stops with the reason."""
    try:
        return cached.recommender(name, model, params)
    except EmbedLabError as exc:
        st.error(f"{exc}.", icon=":material/error:")
        st.stop()


def pick_user(data, default: str | None = None) -> int:
    """A user id typed in (URL key ``user``); an unknown one is explained and the default is used."""
    default = default if default is not None else data.user_ids[0]
    typed = st.text_input("User id", default, key=state.USER, bind="query-params", max_chars=200,
                          help=f"{data.n_users:,} users; ids {data.user_ids[0]} … {data.user_ids[-1]}.")
    try:
        return data.user_row(typed)
    except EmbedLabError as exc:
        st.warning(f"{exc}. Showing user {default} instead.", icon=":material/person_off:")
        return data.user_row(default)


def pick_item(data, default_title: str = "Star Wars", label: str = "Movie") -> int:
    """An item found by title (URL key ``item`` holds its id): a search box, then a choice among matches."""
    item_id = st.query_params.get(state.ITEM)
    current = None
    if item_id is not None:
        try:
            current = data.item_col(item_id)
        except EmbedLabError as exc:
            st.warning(f"{exc}. (The link may be old or edited.)", icon=":material/link:")
    if current is None:
        found = data.find_items(default_title, k=1)
        current = found[0] if found else int(data.item_counts.argmax())
    typed = st.text_input(f"Find a {label.lower()} by title", "", key="item_search", max_chars=200,
                          placeholder=data.titles[current])
    options = data.find_items(typed, k=30) if typed.strip() else []
    if typed.strip() and not options:
        st.info(f"No title matches “{typed}”.", icon=":material/search_off:")
    if current not in options:
        options = [current, *options]
    col = st.selectbox(label, options, index=options.index(current), format_func=lambda i: data.titles[i],
                       key=f"item_pick_{typed}")
    state.set_url(state.ITEM, data.item_ids[col])
    return col


def genres_of(data, col: int) -> str:
    meta = data.item_meta
    return ", ".join(meta["genres"].iloc[col]) if "genres" in meta else ""


def items_table(data, cols, scores=None, extra: dict | None = None, height: int | None = None,
                score_label: str = "score", genres: bool = True) -> None:
    """Items as a table: rank, title, genres, score, and any extra columns."""
    cols = [int(c) for c in cols]
    frame = pd.DataFrame({"rank": range(1, len(cols) + 1), "title": [data.titles[c] for c in cols]})
    if genres and "genres" in data.item_meta:
        frame["genres"] = [genres_of(data, c) for c in cols]
    if scores is not None:
        frame[score_label] = [float(s) for s in scores]
    for key, values in (extra or {}).items():
        frame[key] = values
    st.dataframe(frame, hide_index=True, height=height or min(420, 38 + 35 * len(cols)),
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in frame.columns
                                if c not in ("rank", "title") and frame[c].dtype.kind == "f"})
