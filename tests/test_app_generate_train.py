"""AppTest runs of the generative lab's image-to-image, training-replay and train-your-own pages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_pages import open_page

from core.device import resolve_device
from core.generate import custom
from core.generate.models import replay


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


def _charts(at) -> int:
    return len([c for c in at.get("plotly_chart") if c.proto.id])


# ------------------------------------------------------------------------------------------ image to image
def test_the_image_to_image_page_translates_a_held_out_digit_from_the_link():
    from core.generate import models

    gen = models.load("mnist-pix2pix")
    at = open_page("gen_pix2pix.py", hr="17")
    assert not at.error and not at.warning
    assert at.number_input(key="hr").value == 17
    assert _charts(at) == 2  # the chosen digit, the strip of eight
    strip = next(c for c in at.get("plotly_chart") if c.proto.id and "#142 (" in c.proto.spec)
    assert "#892 (" in strip.proto.spec  # rows 17, 142, ..., 892: spread over the held-out set
    text = _text(at)
    assert "Eight held-out digits, every 125th from #17" in text
    assert f"**{gen.meta['quality']['translation_digit_accuracy']:.0%}** of the translations" in text
    assert f"off by **{gen.meta['quality']['heldout_l1']:.3f}**" in text


def test_the_image_to_image_page_opens_on_the_first_digit_and_explains_a_bad_row():
    at = open_page("gen_pix2pix.py")
    assert not at.error and not at.warning and at.number_input(key="hr").value == 0
    at = open_page("gen_pix2pix.py", hr="99999")
    assert "the held-out digit to “99999”, but it must be a whole number from 0 to 999" in _warnings(at)
    assert at.number_input(key="hr").value == 0 and not at.error


# ---------------------------------------------------------------------------------------------- replay
@pytest.mark.parametrize("name", ["mnist-dcgan", "mnist-pix2pix"])
def test_the_replay_shows_the_snapshot_the_link_names(name):
    record, frames = replay(name)
    steps = record["snapshot_steps"]
    middle = steps[len(steps) // 2]
    at = open_page("gen_replay.py", gm=name, iter=str(middle))
    assert not at.error and not at.warning
    assert at.selectbox(key="gm").value == name and at.select_slider(key="iter").value == str(middle)
    assert _charts(at) == 4  # losses, probabilities, the snapshot's samples, the film strip
    assert f"Step {middle:,}: the" in _text(at)
    losses = next(c for c in at.get("plotly_chart") if c.proto.id and "discriminator loss" in c.proto.spec)
    assert ("L1 to the real image" in losses.proto.spec) == (name == "mnist-pix2pix")
    assert f'"x":{middle}' in losses.proto.spec.replace(" ", "")  # the marker at the snapshot's step
    assert frames.shape[0] == len(steps)
    samples = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("replay_samples"))
    labels = str(json.loads(samples.proto.spec)["layout"])
    assert ("edge maps 1–8" in labels and "real 9–16" in labels) == (name == "mnist-pix2pix")


def test_the_replay_explains_a_bad_model_or_snapshot():
    at = open_page("gen_replay.py", gm="stylegan3", iter="77")
    warnings = _warnings(at)
    assert "the model “stylegan3”, which does not exist" in warnings
    assert "the snapshot step “77”, which does not exist" in warnings
    last = replay("mnist-dcgan")[0]["snapshot_steps"][-1]
    assert at.selectbox(key="gm").value == "mnist-dcgan" and at.select_slider(key="iter").value == str(last)
    assert not at.error


# ------------------------------------------------------------------------------------ train your own GAN
def _trainer(at):
    (trainer,) = [t for key, t in at.session_state["gan_trainers"].items() if key[0] == "mnist-5k"]
    return trainer


def _generator_weights(trainer) -> list[np.ndarray]:
    return [p.detach().cpu().numpy().copy() for p in trainer.g.parameters()]


def test_the_buttons_step_each_network_and_a_link_replays_the_same_model():
    at = open_page("gen_train.py", grun="10", gseed="4")
    assert not at.error and not at.warning
    assert at.metric[0].value == "0" and _charts(at) == 1  # the fresh generator's samples, no curves yet
    t = _trainer(at)
    g0 = _generator_weights(t)

    at.button(key="gan_step_d").click().run()
    assert not at.exception
    t = _trainer(at)
    assert t.steps == 1 and t.history[-1]["part"] == "d" and at.metric[0].value == "1"
    assert all(np.array_equal(a, b) for a, b in zip(g0, _generator_weights(t), strict=True))
    assert "Last update: discriminator step (step 1)" in _text(at)

    at.button(key="gan_step_g").click().run()
    t = _trainer(at)
    assert t.steps == 2 and t.history[-1]["part"] == "g"
    assert not all(np.array_equal(a, b) for a, b in zip(g0, _generator_weights(t), strict=True))

    at.button(key="gan_run").click().run()
    t = _trainer(at)
    assert t.steps == 12 and [h["part"] for h in t.history[2:]] == ["both"] * 10
    assert at.metric[0].value == "12" and _charts(at) == 3  # samples, losses, probabilities
    grid = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("gan_samples"))
    shown = [a["text"] for a in json.loads(grid.proto.spec)["layout"]["annotations"] if a["text"][:2] == "0."]
    real = t.data.x[np.linspace(0, len(t.data) - 1, 8).astype(int)]
    assert shown == [f"{p:.2f}" for p in np.concatenate(t.verdicts(real))]  # D's verdict on each picture
    assert at.query_params["gsteps"] in ("d1g1b10", ["d1g1b10"])
    samples = t.samples()

    link = open_page("gen_train.py", gsteps="d1g1b10", gseed="4")  # a fresh session opens the shared link
    assert not link.error and not link.warning
    again = _trainer(link)
    assert again.steps == 12 and link.metric[0].value == "12"
    assert np.array_equal(again.samples(), samples)

    at.button(key="gan_reset").click().run()
    assert _trainer(at).steps == 0 and at.metric[0].value == "0"


def test_bad_settings_are_explained_and_the_cap_holds(monkeypatch):
    at = open_page("gen_train.py", gset="cifar-10", glr="7", gbatch="5", gseed="-3", grun="4", gsteps="b3;x")
    warnings = _warnings(at)
    for what in ("the training set “cifar-10”", "the learning rate “7”", "the batch size “5”",
                 "the seed to “-3”", "the number of steps per run “4”", "the link's training is not replayed"):
        assert what in warnings, what
    assert at.selectbox(key="gset").value == "mnist-5k" and _trainer(at).steps == 0 and not at.error
    assert "gsteps" not in at.query_params  # the fresh model's link carries no updates
    at = open_page("gen_train.py", gseed="3", gsteps="b3;x")
    assert "is not understood" in _warnings(at) and _trainer(at).steps == 0 and not at.error

    monkeypatch.setitem(custom.LIMITS, resolve_device("auto"), custom.Limits(per_click=5, total=6))
    at = open_page("gen_train.py", gsteps="9")
    assert "made after 9 steps, but here" in _warnings(at) and "at most 6" in _warnings(at)
    assert _trainer(at).steps == 6
    at.button(key="gan_step_d").click().run()
    assert _trainer(at).steps == 6 and "has had its 6 steps" in _warnings(at)


def test_a_long_link_asks_before_it_replays(monkeypatch):
    from dashboard.components import gan_train

    device = resolve_device("auto")
    est = custom.estimate_seconds(32, 32, device)  # MNIST at the default batch of 32
    steps = min(custom.limits(device).total, int(3 * gan_train.ASK_SECONDS / est) + 1)  # ~3x the question's bar
    assert steps * est > gan_train.ASK_SECONDS
    at = open_page("gen_train.py", gsteps=f"b{steps}")
    assert f"trained for **{steps:,} steps**" in at.info[0].value
    assert f"about **{gan_train._duration(steps * est)}**" in at.info[0].value
    assert not at.get("plotly_chart") and not at.session_state["gan_trainers"] and not at.error
    assert at.query_params["gsteps"] in (f"b{steps}", [f"b{steps}"])  # kept while the question is open
    at.button(key="gan_no_replay").click().run()
    assert _trainer(at).steps == 0 and "gsteps" not in at.query_params and not at.info

    monkeypatch.setattr(gan_train, "ASK_SECONDS", 0.0)  # so that a short link asks too
    at = open_page("gen_train.py", gsteps="d1b2", gseed="2")
    assert "trained for **3 steps**" in at.info[0].value and not at.session_state["gan_trainers"]
    at.button(key="gan_replay").click().run()
    t = _trainer(at)
    assert t.steps == 3 and [h["part"] for h in t.history] == ["d", "both", "both"] and t.seed == 2
    assert at.query_params["gsteps"] in ("d1b2", ["d1b2"]) and not at.info and not at.error

    at = open_page("gen_train.py", gsteps="b3")  # (still asking) the settings change before the answer
    at.number_input(key="gseed").set_value(5).run()
    assert _trainer(at).steps == 0 and "gsteps" not in at.query_params  # the link's updates were for seed 0


def _zip_of_pictures(n: int) -> bytes:
    import io
    import zipfile

    from PIL import Image

    rng, buf = np.random.default_rng(1), io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            im, png = Image.fromarray(rng.integers(0, 255, (48, 40, 3), dtype=np.uint8)), io.BytesIO()
            im.save(png, format="PNG")
            zf.writestr(f"blobs/{i}.png", png.getvalue())
    return buf.getvalue()


def test_an_uploaded_collection_trains_at_the_side_asked_for_and_a_tiny_one_is_refused(fake_encoder):
    from core.datasets import parsers, workspace
    from dashboard import cached

    big = workspace.save(parsers.parse_image_zip(_zip_of_pictures(20), "blobs.zip", encoder=fake_encoder))
    tiny = workspace.save(parsers.parse_image_zip(_zip_of_pictures(5), "few.zip", encoder=fake_encoder))
    cached.gen_sets.clear()
    at = open_page("gen_train.py", gset=big, gside="64", gbatch="16")
    assert not at.error and not at.warning
    assert at.metric[3].value == "20" and at.radio(key="gside").value == "64"
    at.button(key="gan_step_g").click().run()
    (trainer,) = at.session_state["gan_trainers"].values()
    assert trainer.arch.side == 64 and trainer.arch.width == 16 and trainer.history[-1]["part"] == "g"

    at = open_page("gen_train.py", gset=tiny, gsteps="b3")
    assert "has 5 pictures; a GAN needs at least 16" in " ".join(e.value for e in at.error)
    at.selectbox(key="gset").set_value("mnist-5k").run()  # the link's steps were for the tiny set: not replayed
    assert _trainer(at).steps == 0 and "gsteps" not in at.query_params and not at.error


def test_a_run_redraws_its_samples_live_without_changing_the_training(monkeypatch):
    from core.generate.data import images
    from dashboard.components import gan_train

    class Recorder:
        def __init__(self):
            self.calls = []

        def progress(self, fraction, text):
            self.calls.append(("progress", fraction, text))

        def image(self, picture, caption):
            self.calls.append(("image", picture.shape, caption))

    data = images("mnist-5k")
    monkeypatch.setattr(gan_train, "LIVE_SECONDS", 0.0)  # every report redraws (but the last: the page draws it)
    watched, bar, live = custom.new_trainer(data, batch=16, seed=5), Recorder(), Recorder()
    watched.run(4, progress=gan_train.progress_bar(bar, watched, "Training", live))
    assert [c[1] for c in bar.calls] == [0.25, 0.5, 0.75, 1.0] and "step 4 of 4 · D loss" in bar.calls[-1][2]
    assert [c[2] for c in live.calls] == [f"The samples at step {i}, as they train" for i in (1, 2, 3)]
    assert live.calls[0][1] == (64 + 4, 16 * 66 + 2)  # 16 samples (32 px, doubled) in a row, 2 px apart
    alone = custom.new_trainer(data, batch=16, seed=5).run(4)
    assert np.array_equal(alone.samples(), watched.samples())  # looking at the samples changed nothing
    monkeypatch.setattr(gan_train, "LIVE_SECONDS", 3600.0)
    quiet = Recorder()
    custom.new_trainer(data, batch=16, seed=5).run(4, progress=gan_train.progress_bar(Recorder(), watched, "x", quiet))
    assert quiet.calls == []  # at most once a LIVE_SECONDS
