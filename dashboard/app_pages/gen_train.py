"""Train your own GAN, as GAN Lab does: step the discriminator, step the generator, or run N steps, and watch the
samples of fixed noise, the losses and the discriminator's probabilities change. A link replays the same training."""

import numpy as np
import streamlit as st

from core import datasets
from core.device import resolve_device
from core.errors import EmbedLabError
from core.generate import custom
from core.generate.data import SETS, to_uint8
from core.viz.gan_training import PART_NAMES, losses_figure, probabilities_figure
from core.viz.generate import pictures_figure
from dashboard import cached, state
from dashboard.components import gan_train as parts

st.title("Train your own GAN")
st.markdown(
    "Train a small **DCGAN** here, one update at a time. **Step the discriminator** and it gets better at telling "
    "the training pictures from the generator's: D(real) rises, D(generated) falls. **Step the generator** and it "
    "moves its pictures towards whatever the discriminator currently calls real: D(generated) rises. **Run N "
    "steps** alternates the two, as real training does. The 16 samples always come from the same noise vectors, so "
    "you see one generator change, not new random draws.")

device = resolve_device(None)  # EMBEDLAB_DEVICE, else a GPU when present
limits, runs = custom.limits(device), custom.run_choices(device)
settings = parts.settings()
name, side, lr, batch, seed = settings
try:
    data = cached.gen_training_images(name, side)
    if name not in SETS:  # an upload, named by its id: say what it is
        st.caption(f"Uploaded: {datasets.describe(name)['description']}")
    trainer = parts.session_trainer(settings, data, limits, device)
except EmbedLabError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()

b1, b2, b3, b4, b5 = st.columns([2, 2, 2, 2, 1], vertical_alignment="bottom")
step_d = b1.button("Step the discriminator", key="gan_step_d", icon=":material/gavel:")
step_g = b2.button("Step the generator", key="gan_step_g", icon=":material/brush:")
choices = [str(n) for n in runs]
state.check_url_choice(state.GAN_RUN, choices, "the number of steps per run")
n_run = int(b3.select_slider("Steps per run", choices, "100" if "100" in choices else choices[-1], key=state.GAN_RUN,
                             bind="query-params"))
run = b4.button(f"Run {n_run} steps", key="gan_run", type="primary", icon=":material/play_arrow:")
reset = b5.button("Reset", key="gan_reset", icon=":material/restart_alt:")

room = limits.total - trainer.steps
if reset:
    trainer = st.session_state[parts.TRAINERS][settings] = custom.new_trainer(data, lr=lr, batch=batch, seed=seed)
elif (step_d or step_g or run) and room <= 0:
    st.warning(f"This model has had its {limits.total:,} steps, the most the page trains on this machine "
               f"({device}). Reset it, or change a setting to train another.", icon=":material/timer:")
elif step_d:
    trainer.step_discriminator()
elif step_g:
    trainer.step_generator()
elif run:
    n = min(n_run, room)
    if n < n_run:
        st.caption(f"Running {n:,} steps: the model reaches the page's limit of {limits.total:,} on {device}.")
    bar, live = st.progress(0.0, text=f"Training {n:,} steps"), st.empty()
    try:
        trainer.run(n, progress=parts.progress_bar(bar, trainer, "Training", live))
    finally:  # a run that fails midway leaves no stale "as they train" picture
        bar.empty()
        live.empty()
code = custom.link_code(trainer.history)
state.set_url(state.GAN_STEPS, code)
if trainer.history and code is None:
    st.caption(f"The link keeps the settings but not the updates: more than {custom.MAX_SCHEDULE_RUNS:,} single "
               "clicks that alternate between the networks are too many for a link to carry.")

per_step = trainer.seconds / trainer.steps if trainer.steps else custom.estimate_seconds(side, batch, device)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Steps done", f"{trainer.steps:,}", help=f"At most {limits.total:,} per model and {limits.per_click:,} "
          f"per click on {device}; a discriminator or a generator step counts one, a full round too.")
m2.metric("Seconds per step", f"{per_step:.3f}" if trainer.steps else f"≈ {per_step:.2f}",
          help="Measured on this model so far" if trainer.steps else "An estimate until the first step has run")
m3.metric("Device", device)
m4.metric("Training pictures", f"{len(data):,}")
if trainer.history:
    last = {k: ("–" if v != v else f"{v:.3f}") if isinstance(v, float) else v  # NaN: that player has not moved
            for k, v in trainer.history[-1].items()}
    st.caption(f"Last update: {PART_NAMES[last['part']]} (step {last['step']:,}) · D(real) {last['d_real']} · "
               f"D(generated) {last['d_fake']} · D loss {last['d_loss']} · G loss {last['g_loss']}. "
               f"{n_run} steps take about {n_run * per_step:,.0f} s here.")
else:
    st.caption(f"A fresh generator: its samples are noise. {n_run} steps take about {n_run * per_step:,.0f} s here "
               f"({device}).")

shown = data.x[np.linspace(0, len(data) - 1, 8).astype(int)]
fake, (p_fake, p_real) = trainer.samples(), trainer.verdicts(shown)
st.plotly_chart(pictures_figure(np.vstack([fake, to_uint8(shown)]), columns=8, tile=64,
                                labels=[f"{p:.2f}" for p in np.r_[p_fake, p_real]],
                                row_titles=["generated", "", "real"]),
                key="gan_samples", config={"displaylogo": False})
st.caption(f"The generator's pictures from 16 fixed noise vectors after {trainer.steps:,} steps, above 8 of the "
           f"{len(data):,} training pictures ({name}, {side}×{side}). The number on each is the discriminator's "
           f"probability that it is real: step the discriminator and watch the generated ones fall.")
if trainer.history:
    left, right = st.columns(2)
    left.plotly_chart(losses_figure(trainer.history), key="gan_losses")
    right.plotly_chart(probabilities_figure(trainer.history), key="gan_probabilities")
st.markdown(
    "**Things to try.** Step the discriminator ten times in a row: it learns to reject the samples and "
    "D(generated) falls towards 0. Then step the generator a few times and watch D(generated) climb back. Run a few "
    "hundred steps and the samples turn from noise into blobs, then into strokes or faces. A learning rate of 0.002 "
    "often makes training swing or collapse: several samples turn into the same picture. The link in the address "
    "bar carries the settings and the updates done: whoever opens it trains the same model again.")
