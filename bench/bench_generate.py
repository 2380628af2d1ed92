"""Generative lab: 64 faces at 64×64 in at most 150 ms, a 16-image interpolation strip in at most 100 ms.

Sampling. ``core.generate.models.load("faces-dcgan").sample(64, seed)``: the seed's latent vectors through the
shipped generator, to uint8 pictures (everything the page and ``embedlab generate`` pay). Peers, in the same
process on the same 64 latent vectors: the SAME generator weights run one picture at a time (what a naive
loop does), and the reference DCGAN generator of PyTorch's examples (``examples/dcgan``: nz 100, ngf 64,
64×64, here with one output channel; random weights, so only its speed means anything), batched.

Strip. ``latent.slerp(z_a, z_b, 16)`` then ``decode``: the page's interpolation strip, vs the same 16 pictures
decoded one at a time. Every side is timed best of ``--repeat``, sides alternating; the first sample call in
the process (torch's start-up) and loading the weights are reported too.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log, timed

NAME = "generate"
SAMPLE_LIMIT_S = 0.150
STRIP_LIMIT_S = 0.100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--model", default="faces-dcgan", help="the shipped model sampled (default faces-dcgan)")
    parser.add_argument("--n", type=int, default=64, help="pictures per sample call (default 64)")
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per side (best is reported)")


def reference_dcgan(nz: int = 100, ngf: int = 64, nc: int = 1):
    """The generator of PyTorch's ``examples/dcgan/main.py`` (64×64 output), in eval mode."""
    from torch import nn

    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()).eval()


def run(args: argparse.Namespace) -> Report:
    """Time sampling and the interpolation strip against the peers."""
    import torch

    from core.generate import latent, models
    from core.generate.data import to_uint8

    started = environment()
    load = timed(lambda: models.load(args.model, device="cpu"))
    gen = load.value
    z = gen.noise(args.n, seed=0)
    first = timed(lambda: gen.sample(args.n, seed=0))
    log(f"[generate] {args.model}: {gen.side}×{gen.side}, z {gen.arch.z_dim}, torch {torch.__version__} on "
        f"{torch.get_num_threads()} threads; load {load.wall * 1e3:.0f} ms, first sample call "
        f"{first.wall * 1e3:.0f} ms")
    labels = None if not gen.spec.conditional else [gen.classes[0]] * args.n

    def one_at_a_time(vectors):
        with torch.inference_mode():
            return np.concatenate([to_uint8(gen.g(torch.from_numpy(v[None]), None if labels is None else
                                                  torch.zeros(1, dtype=torch.long)).numpy()) for v in vectors])

    ref = reference_dcgan()
    ref_z = torch.from_numpy(np.random.default_rng(0).standard_normal((args.n, 100, 1, 1)).astype(np.float32))

    def reference():
        with torch.inference_mode():
            return to_uint8(ref(ref_z).numpy())

    runs = interleaved({"core": lambda: gen.sample(args.n, seed=0, labels=labels),
                        "same weights, one at a time": lambda: one_at_a_time(z),
                        "PyTorch examples DCGAN (ngf 64, nz 100)": reference}, repeat=args.repeat)
    t = {k: best(v) for k, v in runs.items()}
    same = bool(np.array_equal(t["core"].value, gen.sample(args.n, seed=0, labels=labels)))
    agree = int(np.abs(t["core"].value.astype(int) - t["same weights, one at a time"].value.astype(int)).max())

    za, zb = gen.noise(2, seed=1)
    strip_runs = interleaved({"core": lambda: gen.decode(latent.slerp(za, zb, 16), None if labels is None
                                                         else labels[:16]),
                              "one at a time": lambda: one_at_a_time(latent.slerp(za, zb, 16))},
                             repeat=args.repeat)
    s = {k: best(v) for k, v in strip_runs.items()}

    core_s, strip_s = t["core"].wall, s["core"].wall
    rows = [{"side": f"core sample({args.n}) {args.model} (best of {args.repeat})", "ms": core_s * 1e3,
             "cpu ms": t["core"].cpu * 1e3, "this / core": 1.0}]
    for name in ("same weights, one at a time", "PyTorch examples DCGAN (ngf 64, nz 100)"):
        rows.append({"side": f"{name}, {args.n} pictures", "ms": t[name].wall * 1e3, "cpu ms": t[name].cpu * 1e3,
                     "this / core": t[name].wall / core_s})
    rows += [{"side": "core sample, first call in the process", "ms": first.wall * 1e3, "cpu ms": first.cpu * 1e3,
              "this / core": first.wall / core_s},
             {"side": "core slerp strip, 16 pictures", "ms": strip_s * 1e3, "cpu ms": s["core"].cpu * 1e3,
              "this / core": 1.0},
             {"side": "strip, one picture at a time", "ms": s["one at a time"].wall * 1e3,
              "cpu ms": s["one at a time"].cpu * 1e3, "this / core": s["one at a time"].wall / strip_s},
             {"side": "load the shipped weights", "ms": load.wall * 1e3, "cpu ms": load.cpu * 1e3}]
    targets = [Target(f"{args.n} samples at {gen.side}×{gen.side}, {args.model} (ms)", core_s * 1e3, "<=",
                      SAMPLE_LIMIT_S * 1e3),
               Target("16-image interpolation strip (ms)", strip_s * 1e3, "<=", STRIP_LIMIT_S * 1e3)]
    notes = [f"one at a time / core = {t['same weights, one at a time'].wall / core_s:.2f}; the PyTorch-examples "
             f"DCGAN / core = {t['PyTorch examples DCGAN (ngf 64, nz 100)'].wall / core_s:.2f} (a 4x wider network)",
             f"the same seed gives the same pictures: {same}; batched and one-at-a-time pictures differ by at most "
             f"{agree} grey level(s) of 255",
             f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores"]
    details = {"runs_ms": {k: [x.wall * 1e3 for x in v] for k, v in runs.items()},
               "strip_runs_ms": {k: [x.wall * 1e3 for x in v] for k, v in strip_runs.items()},
               "environment": started, "torch": torch.__version__}
    return Report(NAME, f"Generative lab: {args.n} samples of {args.model} and a 16-image strip, vs peers",
                  ["side", "ms", "cpu ms", "this / core"], rows, targets, notes, details)
