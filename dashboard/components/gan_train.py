"""Pieces of "Train your own GAN": the settings (with the upload of a zip of pictures) and the session's trainers,
one per combination of settings, of which a shared link's first one replays the link's training."""

from __future__ import annotations

import time

import streamlit as st

from core.errors import InputError
from core.generate import custom
from core.generate.data import MIN_IMAGES, SETS
from core.viz.generate import enlarge, grid_picture
from dashboard import cached, state
from dashboard.components import uploads

TRAINERS, LINK_READ = "gan_trainers", "gan_link_read"
LINK_KEY, REPLAY_OK = "gan_link_key", "gan_replay_ok"  # the link's settings; "replay it" was clicked
KEEP = 3  # trainers one session keeps (one per combination of settings), oldest dropped first
ASK_SECONDS = 20.0  # a link whose training would take longer than this here waits for a click to replay it
LIVE_SECONDS = 1.0  # during a run, the samples are redrawn at most this often


def _add_upload() -> None:
    """Embed an uploaded zip (or folder) of pictures under a progress bar, save it to the workspace, and train on
    it from the next run."""
    from core.datasets import parsers

    upload, folder = st.session_state.get("gan_upload"), st.session_state.get("gan_folder") or []
    if upload is None and not folder:
        st.error("Choose a zip of pictures or a folder first.", icon=":material/error:")
        return
    if upload is not None:
        name = upload.name

        def parse(progress):
            return parsers.parse_image_zip(upload.getvalue(), upload.name, progress=progress)
    else:
        tops = {f.name.split("/")[0] for f in folder if "/" in f.name}  # the browser names "pebbles/1.png"
        name = tops.pop() if len(tops) == 1 else "folder"

        def parse(progress):
            return parsers.parse_image_files({f.name: f.getvalue() for f in folder}, name, progress=progress)
    saved = uploads.embed_and_save(name, parse, "pictures")
    if saved is not None:
        cached.gen_sets.clear()
        cached.image_collections.clear()
        uploads.select_next_run(state.GAN_SET, saved[0])
        st.rerun()


def settings() -> tuple[str, int, float, int, int]:
    """(training set, side, learning rate, batch, seed) from their widgets (URL-bound), with the upload expander."""
    sets = cached.gen_sets()
    uploads.take_pending(state.GAN_SET)
    c1, c2, c3, c4, c5 = st.columns([3, 2, 3, 2, 2])
    refused = [state.check_url_choice(state.GAN_SET, sets, "the training set")]
    name = c1.selectbox("Training set", sets, key=state.GAN_SET, bind="query-params",
                        help=" · ".join(f"{s.name}: {s.description}" for s in SETS.values())
                        + " · then image zips uploaded here or on Image similarity (by id)")
    if name in SETS:
        side = SETS[name].side
        c2.markdown(f"Pictures  \n**{side}×{side}** grey")
    else:
        refused.append(state.check_url_choice(state.GAN_SIDE, ["32", "64"], "the picture side"))
        side = int(c2.radio("Pictures", ["32", "64"], key=state.GAN_SIDE, bind="query-params", horizontal=True,
                            help="Uploads are made grey and resized to this side."))
    rates = [f"{r:g}" for r in custom.LEARNING_RATES]
    refused.append(state.check_url_choice(state.GAN_LR, rates, "the learning rate"))
    lr = float(c3.select_slider("Learning rate", rates, "0.0002", key=state.GAN_LR, bind="query-params",
                                help="Adam's step size for both networks; DCGAN uses 0.0002. Try 0.002 to see it "
                                     "fail."))
    batches = [str(b) for b in custom.BATCHES]
    refused.append(state.check_url_choice(state.GAN_BATCH, batches, "the batch size"))
    batch = int(c4.select_slider("Batch", batches, "32", key=state.GAN_BATCH, bind="query-params",
                                 help="Real and generated pictures per step; smaller is faster per step."))
    refused.append(state.check_number(state.GAN_SEED, 0, 9999, "the seed", integer=True))
    seed = int(c5.number_input("Seed", 0, 9999, 0, key=state.GAN_SEED, bind="query-params",
                               help="Seeds the weights, the batches and the noise: the same seed and steps give "
                                    "the same model on the same machine."))
    with st.expander(f"Upload your own pictures (a zip or a folder of .png / .jpg, at least {MIN_IMAGES}; a few "
                     "hundred of one kind of thing work best)"):
        z, f = st.columns(2)
        z.file_uploader("Zip of pictures", type=["zip"], key="gan_upload")
        f.file_uploader("…or a folder of pictures", type=["png", "jpg", "jpeg"], accept_multiple_files="directory",
                        key="gan_folder")
        if st.button("Add these pictures", key="gan_add"):
            _add_upload()
    st.session_state.setdefault(LINK_KEY, (name, side, lr, batch, seed))  # what the link opened with, on its first run
    if any(refused) and not st.session_state.get(LINK_READ) and st.query_params.get(state.GAN_STEPS):
        st.warning("So the link's training is not replayed: with other settings the same updates would make "
                   "another model. Starting from step 0.", icon=":material/link:")
        st.session_state[LINK_READ] = True
    return name, side, lr, batch, seed


def progress_bar(bar, trainer, what: str, live=None):
    """A ``progress(done, total)`` for the trainer that writes the step and the last losses on ``bar`` and, given
    a ``live`` placeholder, redraws the 16 samples there at most every :data:`LIVE_SECONDS` while the run lasts
    (drawing them changes nothing in the training: fixed noise, no random draw, batch norm in eval mode)."""
    drawn = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        last = trainer.history[-1]
        bar.progress(done / total, text=f"{what}… step {done:,} of {total:,} · D loss {last['d_loss']:.3f} · "
                                        f"G loss {last['g_loss']:.3f}")
        if live is not None and done < total and time.perf_counter() - drawn[0] >= LIVE_SECONDS:
            live.image(grid_picture(enlarge(trainer.samples(), 48), columns=16),
                       caption=f"The samples at step {trainer.steps:,}, as they train")
            drawn[0] = time.perf_counter()
    return progress


def _duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 90 else f"{seconds / 60:,.0f} min"


def _link_schedule(limits: custom.Limits, device: str) -> list[tuple[str, int]]:
    """The updates a shared link carries (URL ``gsteps``), capped at the device's limit; a bad one is explained."""
    try:
        schedule = custom.parse_schedule(st.query_params.get(state.GAN_STEPS))
    except InputError as exc:
        st.warning(f"{exc}. Starting from step 0. (The link may be old or edited.)", icon=":material/link:")
        return []
    if custom.schedule_steps(schedule) > limits.total:
        st.warning(f"This link was made after {custom.schedule_steps(schedule):,} steps, but here ({device}) a "
                   f"model trains at most {limits.total:,}: showing the model after the first {limits.total:,}.",
                   icon=":material/link:")
        schedule = custom.truncate(schedule, limits.total)
    return schedule


def _forget_link() -> None:
    st.session_state[LINK_READ] = True
    state.set_url(state.GAN_STEPS, None)


def _ask_to_replay(steps: int, seconds: float, device: str) -> None:
    """Stop the page at a question: replay a long training, or start from step 0 (the link stays as it is)."""
    st.info(f"This link shares a model trained for **{steps:,} steps**. Training it again here ({device}) takes "
            f"about **{_duration(seconds)}**; the same settings and updates give the same model.",
            icon=":material/link:")
    yes, no = st.columns([1, 3])
    yes.button(f"Replay the {steps:,} steps", key="gan_replay", type="primary", icon=":material/play_arrow:",
               on_click=st.session_state.__setitem__, args=(REPLAY_OK, True))
    no.button("Start from step 0 instead", key="gan_no_replay", on_click=_forget_link)
    st.stop()


def session_trainer(key: tuple, data, limits: custom.Limits, device: str):
    """This session's trainer for ``key`` (the settings), made on first use. On a fresh session, a link's schedule
    of updates (URL ``gsteps``) is replayed first for the link's own settings: capped at the device's limit and
    explained when over it, and after a click when it would take more than :data:`ASK_SECONDS`."""
    trainers = st.session_state.setdefault(TRAINERS, {})
    if key in trainers:
        st.session_state[LINK_READ] = True
        return trainers[key]
    name, side, lr, batch, seed = key
    schedule = []
    if not st.session_state.get(LINK_READ) and st.session_state.get(LINK_KEY) == key \
            and st.query_params.get(state.GAN_STEPS):
        schedule = _link_schedule(limits, device)
        steps = custom.schedule_steps(schedule)
        seconds = steps * custom.estimate_seconds(side, batch, device)
        if seconds > ASK_SECONDS and not st.session_state.get(REPLAY_OK):
            _ask_to_replay(steps, seconds, device)
    trainer = custom.new_trainer(data, lr=lr, batch=batch, seed=seed)
    if schedule:  # a shared link on a fresh session: train the same model again
        bar, live = st.progress(0.0, text="Replaying the link's training"), st.empty()
        try:
            custom.replay(trainer, schedule, progress_bar(bar, trainer, "Replaying the link's training", live))
        finally:
            bar.empty()
            live.empty()
    trainers[key] = trainer
    while len(trainers) > KEEP:
        trainers.pop(next(iter(trainers)))
    st.session_state[LINK_READ] = True
    return trainer
