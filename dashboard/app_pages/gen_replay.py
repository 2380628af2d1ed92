"""Training replay: how a shipped GAN learned, step by step: the two players' losses, the discriminator's
probabilities and the same fixed noise's samples at every snapshot."""

import numpy as np
import streamlit as st

from core.errors import EmbedLabError
from core.generate.models import MODELS
from core.viz.gan_training import image_rows_figure, losses_figure, probabilities_figure, samples_figure
from dashboard import cached, state

NAMES, DEFAULT, FILM = list(MODELS), "mnist-dcgan", 4

st.title("Training replay")
st.markdown(
    "A GAN is two networks in a game. The **discriminator** D learns to tell real pictures from generated ones; "
    "the **generator** G learns to fool it. Each training step updates D once, then G once, on a batch of real "
    "pictures and a batch of fresh noise. Nobody scores G directly: its only teacher is D, which keeps changing. "
    "Below is the record of a shipped model's training, and the pictures its generator made from the **same 16 "
    "noise vectors** at regular snapshots.")

state.check_url_choice(state.GEN_MODEL, NAMES, "the model")
name = st.selectbox("Model", NAMES, index=NAMES.index(DEFAULT), key=state.GEN_MODEL, bind="query-params",
                    help=" · ".join(f"{k}: {m.title}" for k, m in MODELS.items()))
spec = MODELS[name]
try:
    record, frames, inputs = cached.gen_replay(name)
except EmbedLabError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
history, snaps = record["history"], [str(s) for s in record["snapshot_steps"]]
recipe = record["recipe"]
st.caption(f"{spec.title}: {spec.description}. {recipe['steps']:,} steps of {recipe['batch']} pictures, Adam "
           f"lr {recipe['lr']:g}, in {record['seconds']:,.0f} s on {record['device']}.")

state.check_url_choice(state.SNAPSHOT, snaps, "the snapshot step")
if st.session_state.get(state.SNAPSHOT) not in (None, *snaps):  # the value of another model's replay
    st.session_state[state.SNAPSHOT] = snaps[-1]
at = int(st.select_slider("Snapshot at step", snaps, snaps[-1], key=state.SNAPSHOT, bind="query-params",
                          help="The snapshots saved during training; the curves mark the step."))
frame = frames[snaps.index(str(at))]

left, right = st.columns(2)
left.plotly_chart(losses_figure(history, mark=at), key="replay_losses")
right.plotly_chart(probabilities_figure(history, mark=at), key="replay_probabilities")
if inputs:  # pix2pix: each translation between its edge map and the real picture
    half = frames.shape[1] // 2
    rows = {}
    for part, cut in (("1–8", slice(0, half)), ("9–16", slice(half, None))):
        rows |= {f"edge maps {part}": inputs["edge map"][cut], f"step {at:,}, {part}": frame[cut],
                 f"real {part}": inputs["real"][cut]}
    st.plotly_chart(image_rows_figure(rows, tile=56, gap=3), key="replay_samples", config={"displaylogo": False})
    st.caption(f"Step {at:,}: the translations of 16 fixed training edge maps, between each edge map and the real "
               "digit it was drawn from. Move the slider to watch them form.")
else:
    st.plotly_chart(samples_figure(frame, columns=8, tile=64), key="replay_samples", config={"displaylogo": False})
    st.caption(f"Step {at:,}: the samples of 16 fixed noise vectors. Move the slider to watch them form.")

shown = np.arange(min(FILM, frames.shape[1]))
st.plotly_chart(image_rows_figure({f"sample {i + 1}": frames[:, i] for i in shown},
                                  [f"{int(s):,}" for s in snaps], tile=40, gap=3, label_width=70),
                key="replay_film", config={"displaylogo": False})
st.caption("The first samples at every snapshot (step below each column): the same input all along.")

st.subheader("What to look for")
st.markdown(
    "- **The start**: samples are noise, and D wins fast: D(real) climbs, D(generated) falls, the generator's loss "
    "shoots up. Blobs appear first, then strokes or faces, then detail.\n"
    "- **No loss goes to zero.** Unlike a classifier's, these curves do not settle: each player's progress makes the "
    "other's loss worse. Oscillation is normal; what matters is that neither collapses.\n"
    "- **The equilibrium** would be D(real) = D(generated) = ½: D can no longer tell. Real labels are smoothed to "
    "0.9 here, so D(real) hovers below 0.9 and a healthy run keeps the two probabilities apart but steady.\n"
    "- **The discriminator winning**: D(generated) stuck near 0 and the generator's loss climbing means G gets "
    "almost no useful gradient; training stalls and samples stop improving.\n"
    "- **Mode collapse**: if many of the 16 samples turn into the same picture while their noise differs, G found "
    "one picture that fools D and stopped covering the rest; the loss curves alone do not show it.\n"
    + ("- **pix2pix** adds an L1 term (orange, right axis): the distance to the true digit. It falls steadily, "
       "because it is an ordinary regression loss; the GAN part only sharpens what L1 alone would blur."
       if spec.image_to_image else
       "- **The same noise, step after step**: a sample can change identity (a 3 becomes an 8) early on and "
       "settles later, when small steps of G only refine it."))
