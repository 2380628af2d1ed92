"""Autoencoders: five epochs on MNIST-5k in at most 30 s, and the VAE's 20 x 20 latent grid in at most 0.5 s.

Training. ``core.embed.autoencoders.Autoencoder(kind="ae", code_size=2, epochs=5)`` (MLP 784 → 256 → 64
→ 2 → 64 → 256 → 784, torch, binary cross-entropy, Adam 1e-3, the shipped recipe's batch of 128) on the
4,000 training digits of the lesson's seeded split, vs scikit-learn's
``MLPRegressor(hidden_layer_sizes=(256, 64, 2, 64, 256), max_iter=5, batch_size=128, solver="adam",
learning_rate_init=1e-3, random_state=0)`` fitted X → X (the same layer widths, five passes of Adam;
it trains on squared error with ReLU on the code layer and an identity output, so its held-out MSE
is a peer's, not an identical model's). The sides alternate, best of ``--repeat``, with core on torch's
default threads and core on one thread (torch's threads wait on each other at every small step, which
costs many times over when another process holds a core). Core's FIRST fit in the process is reported
too: it pays torch's one-time start-up (what the page's first "Train" click costs). Held-out MSE per
pixel on the 1,000 test digits (sklearn's output is not clipped to [0, 1]; clipped, in the notes).

Decoding. ``latent_grid(shipped("mnist-5k", "vae", 2), 20)``: 400 codes through the shipped VAE's
decoder, best of ``--grid-repeat``. Peers, on the same 400 codes and the SAME decoder weights (so the
images must agree): a plain numpy float32 forward pass (matmul + ReLU + sigmoid, what an MLPRegressor
does inside), and ``sklearn.neural_network.MLPRegressor.predict`` with the decoder's weights loaded into
``coefs_`` / ``intercepts_`` (``out_activation_ = "logistic"``). Loading the shipped weights is timed in
this process (warm) and, with ``import torch``, in a NEW interpreter: what a first visit of the page pays.
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np

from bench._common import Report, Target, best, environment, interleaved, log, run_python, timed

NAME = "autoencoders"
TRAIN_LIMIT_S = 30.0
GRID_LIMIT_S = 0.5

NEW_PROCESS_CODE = """
import json, time
t0 = time.perf_counter()
from core.embed import autoencoders as ae
t1 = time.perf_counter()
import torch
t2 = time.perf_counter()
model = ae.shipped("mnist-5k", "vae", 2)
t3 = time.perf_counter()
ae.latent_grid(model, 20)
t4 = time.perf_counter()
print(json.dumps({"import_core_s": t1 - t0, "import_torch_s": t2 - t1, "load_s": t3 - t2, "first_grid_s": t4 - t3,
                  "threads": torch.get_num_threads()}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--epochs", type=int, default=5, help="training epochs of both sides (default 5)")
    parser.add_argument("--repeat", type=int, default=3, help="timed fits per side (best is reported)")
    parser.add_argument("--grid-repeat", type=int, default=5, help="timed grid decodes per side (best is reported)")


def _decoder_layers(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight (in, out), bias) of each Linear layer of the model's decoder, as float32 numpy."""
    from torch import nn

    return [(m.weight.detach().cpu().numpy().T.copy(), m.bias.detach().cpu().numpy().copy())
            for m in model.net_.decoder if isinstance(m, nn.Linear)]


def numpy_decode(layers: list[tuple[np.ndarray, np.ndarray]], codes: np.ndarray) -> np.ndarray:
    """The decoder's forward pass in numpy: ReLU between layers, a sigmoid at the end."""
    h = codes
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        h = np.maximum(h, 0, out=h) if i < len(layers) - 1 else 1 / (1 + np.exp(-h))
    return h


def sklearn_decoder(layers: list[tuple[np.ndarray, np.ndarray]]):
    """An ``MLPRegressor`` holding the decoder's weights (fitted once on dummy data for its attributes)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    sizes = [w.shape[1] for w, _ in layers[:-1]]
    n_in, n_out = layers[0][0].shape[0], layers[-1][0].shape[1]
    reg = MLPRegressor(hidden_layer_sizes=tuple(sizes), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(np.zeros((4, n_in), np.float32), np.zeros((4, n_out), np.float32))
    reg.coefs_ = [w for w, _ in layers]
    reg.intercepts_ = [b for _, b in layers]
    reg.out_activation_ = "logistic"
    return reg


def run(args: argparse.Namespace) -> Report:
    """Train both sides on the MNIST-5k training split; decode the latent grid three ways; time loading."""
    import torch
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    from core.embed import autoencoders as ae

    started = environment()
    x, _ = ae.pixels("mnist-5k")
    recipe = ae.RECIPES["mnist-5k"]
    train, test = ae.split(len(x), seed=recipe.seed)
    x_train, x_test = x[train], x[test]
    epochs = args.epochs
    log(f"[autoencoders] {len(train)} training digits x {x.shape[1]} pixels, {epochs} epochs, batch "
        f"{recipe.batch_size}, torch {torch.__version__} on {torch.get_num_threads()} threads, best of {args.repeat}")

    def core_fit():
        return ae.Autoencoder(kind="ae", code_size=2, hidden=recipe.hidden, epochs=epochs,
                              learning_rate=recipe.learning_rate, batch_size=recipe.batch_size,
                              random_state=recipe.seed, device="cpu").fit(x_train)

    def core_fit_one_thread():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return core_fit()
        finally:
            torch.set_num_threads(threads)

    def sklearn_fit():
        reg = MLPRegressor(hidden_layer_sizes=(*recipe.hidden, 2, *reversed(recipe.hidden)), max_iter=epochs,
                           batch_size=recipe.batch_size, solver="adam", learning_rate_init=recipe.learning_rate,
                           random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return reg.fit(x_train, x_train)

    first = timed(core_fit)  # torch's one-time start-up (thread pools, kernels) lands here
    log(f"  core first fit: {first.wall:.2f} s (cpu {first.cpu:.2f} s)")
    runs = interleaved({"core": core_fit, "sklearn": sklearn_fit, "core 1 thread": core_fit_one_thread},
                       repeat=args.repeat, log=log)
    core_t, peer_t, single_t = best(runs["core"]), best(runs["sklearn"]), best(runs["core 1 thread"])
    core_mse = float(core_t.value.reconstruction_error(x_test).mean())
    peer_out = peer_t.value.predict(x_test)
    peer_mse = float(((peer_out - x_test) ** 2).mean())
    peer_mse_clipped = float(((np.clip(peer_out, 0, 1) - x_test) ** 2).mean())
    pca2 = ae.pca_errors(x_train, x_test, sizes=(2,))[2]
    single_mse = float(single_t.value.reconstruction_error(x_test).mean())
    codes_agree = bool(np.array_equal(first.value.encode(x_test), core_t.value.encode(x_test)))

    # ---------------------------------------------------------------------------- loading, decoding
    loads = [timed(lambda: ae.shipped("mnist-5k", "vae", 2, device="cpu")) for _ in range(args.grid_repeat)]
    load_all = timed(lambda: [ae.shipped(s, k, c, device="cpu") for s in ae.SOURCES for k, c in ae.SHIPPED_MODELS])
    vae = loads[0].value
    codes, images = ae.latent_grid(vae, 20)
    layers = _decoder_layers(vae)
    reg = sklearn_decoder(layers)
    grid_runs = interleaved({"core": lambda: ae.latent_grid(vae, 20)[1],
                             "numpy": lambda: numpy_decode(layers, codes),
                             "sklearn": lambda: reg.predict(codes)}, repeat=args.grid_repeat)
    grid = {name: best(ts) for name, ts in grid_runs.items()}
    gap = {name: float(np.abs(t.value - images).max()) for name, t in grid.items()}
    log(f"  grid: core {grid['core'].wall * 1e3:.1f} ms, numpy {grid['numpy'].wall * 1e3:.1f} ms, "
        f"sklearn {grid['sklearn'].wall * 1e3:.1f} ms (largest pixel difference {max(gap.values()):.1e})")
    fresh, fresh_wall = run_python(NEW_PROCESS_CODE)
    log(f"  new process: import torch {fresh['import_torch_s']:.2f} s, load {fresh['load_s']:.3f} s, "
        f"first grid {fresh['first_grid_s']:.3f} s")

    core_s = core_t.wall
    rows = [
        {"side": f"core Autoencoder ae-2, {epochs} epochs, first fit in the process", "seconds": first.wall,
         "cpu s": first.cpu, "this / core": first.wall / core_s, "held-out MSE": core_mse},
        {"side": f"core Autoencoder ae-2, {epochs} epochs (best of {args.repeat})", "seconds": core_s,
         "cpu s": core_t.cpu, "this / core": 1.0, "held-out MSE": core_mse},
        {"side": f"core, torch on 1 thread (best of {args.repeat})", "seconds": single_t.wall, "cpu s": single_t.cpu,
         "this / core": single_t.wall / core_s, "held-out MSE": single_mse},
        {"side": f"sklearn MLPRegressor X→X, {epochs} epochs (best of {args.repeat})", "seconds": peer_t.wall,
         "cpu s": peer_t.cpu, "this / core": peer_t.wall / core_s, "held-out MSE": peer_mse},
        {"side": f"core latent_grid 20×20, shipped VAE (best of {args.grid_repeat})", "seconds": grid["core"].wall,
         "cpu s": grid["core"].cpu, "this / core": 1.0},
        {"side": "numpy forward pass, same decoder weights", "seconds": grid["numpy"].wall, "cpu s": grid["numpy"].cpu,
         "this / core": grid["numpy"].wall / grid["core"].wall},
        {"side": "sklearn MLPRegressor.predict, same decoder weights", "seconds": grid["sklearn"].wall,
         "cpu s": grid["sklearn"].cpu, "this / core": grid["sklearn"].wall / grid["core"].wall},
        {"side": f"load shipped VAE, warm process (best of {args.grid_repeat})", "seconds": best(loads).wall,
         "cpu s": best(loads).cpu},
        {"side": f"load all {len(ae.SOURCES) * len(ae.SHIPPED_MODELS)} shipped models, warm process",
         "seconds": load_all.wall, "cpu s": load_all.cpu},
        {"side": "new process: import torch", "seconds": fresh["import_torch_s"]},
        {"side": "new process: load shipped VAE + first grid", "seconds": fresh["load_s"] + fresh["first_grid_s"]},
    ]
    targets = [
        Target(f"core {epochs} epochs on the 4,000 MNIST training digits, first fit (s)", first.wall, "<=",
               TRAIN_LIMIT_S),
        Target("core latent grid 20×20 decode, shipped VAE (s)", grid["core"].wall, "<=", GRID_LIMIT_S),
    ]
    notes = [
        f"training: sklearn / core = {peer_t.wall / core_s:.2f} (best of {args.repeat} each; first core fit "
        f"{first.wall:.2f} s); held-out MSE core {core_mse:.4f}, sklearn {peer_mse:.4f} ({peer_mse_clipped:.4f} "
        f"clipped to [0, 1]), PCA with 2 components {pca2:.4f}",
        f"core is deterministic on the CPU: the first and the best fit give identical codes: {codes_agree}; "
        f"the first fit pays torch's start-up, and with {torch.get_num_threads()} threads it slows down many times "
        "over when another process holds a core (its threads wait on each other at every small step)",
        f"grid: numpy / core = {grid['numpy'].wall / grid['core'].wall:.2f}, sklearn / core = "
        f"{grid['sklearn'].wall / grid['core'].wall:.2f}; largest pixel difference from core: numpy "
        f"{gap['numpy']:.1e}, sklearn {gap['sklearn']:.1e}",
        f"new process: import core.embed.autoencoders {fresh['import_core_s']:.2f} s, import torch "
        f"{fresh['import_torch_s']:.2f} s, load {fresh['load_s']:.3f} s, first grid {fresh['first_grid_s']:.3f} s "
        f"(whole interpreter {fresh_wall:.2f} s), torch on {fresh['threads']} threads",
        f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores",
    ]
    details = {"train_runs": {n: [t.wall for t in ts] for n, ts in runs.items()}, "first_fit": first.wall,
               "loss_curve": core_t.value.loss_curve_, "sklearn_loss_curve": list(peer_t.value.loss_curve_),
               "held_out_mse": {"core": core_mse, "sklearn": peer_mse, "sklearn_clipped": peer_mse_clipped,
                                "pca2": pca2},
               "grid_runs": {n: [t.wall for t in ts] for n, ts in grid_runs.items()}, "grid_max_abs_diff": gap,
               "load_runs": [t.wall for t in loads], "new_process": {**fresh, "wall_s": fresh_wall},
               "torch": torch.__version__, "environment": started}
    return Report(NAME, f"Autoencoders: {epochs} epochs on MNIST-5k vs sklearn MLPRegressor; the VAE's 20×20 grid",
                  ["side", "seconds", "cpu s", "this / core", "held-out MSE"], rows, targets, notes, details)
