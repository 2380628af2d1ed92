"""Training a GAN one step at a time, as GAN Lab does: step the discriminator, step the generator, run N steps.

>>> from core.generate.data import images
>>> from core.generate.nets import Arch
>>> from core.generate.train import GANTrainer
>>> t = GANTrainer(Arch("dcgan", 32), images("mnist-5k"), seed=0)     # doctest: +SKIP
>>> t.step_discriminator(); t.step_generator(); t.run(200)            # doctest: +SKIP
>>> t.history[-1]          # {'step': 202, 'part': 'both', 'd_loss': ..., 'g_loss': ..., 'd_real': ..., 'd_fake': ...}
>>> t.samples()            # uint8 pictures of the fixed snapshot noise  # doctest: +SKIP

The losses are those of DCGAN with the non-saturating generator loss (Goodfellow et al. 2014):
the discriminator minimises BCE(D(x), 1) + BCE(D(G(z)), 0), the generator minimises BCE(D(G(z)), 1).
``d_real`` and ``d_fake`` are the discriminator's mean probability that a real / generated image is real; at
the equilibrium both are 1/2. Real labels are smoothed to 0.9 (one-sided, Salimans et al. 2016), which keeps
the discriminator of a small data set from winning outright. pix2pix adds ``l1`` times the L1 distance between
the translation and the true image to the generator's loss (Isola et al. 2017).

Everything is seeded from the trainer's own random generators (weights, batches, flips, noise, augmentation;
never torch's global state, which other sessions of a server share): the same seed and steps give the same
model on the same machine's CPU. GPU kernels (cuDNN's backward passes) are not bit-for-bit repeatable, so on a
GPU the same steps give a close but not identical model. pix2pix's dropout masks come from the generator that
drew its weights.
Device choice comes from :mod:`core.device`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from core.checks import check_real, check_whole
from core.errors import InputError
from core.generate.data import Images, edges, to_uint8
from core.generate.nets import Arch, build

Progress = Callable[[int, int], None] | None  # progress(steps done, steps asked for)
REAL_LABEL = 0.9
MAX_STEPS = 100_000
N_SNAPSHOT = 16  # samples drawn from the same fixed noise at every snapshot


def fixed_inputs(seed: int, n_data: int, z_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """What a trainer's snapshots are made of: (noise float32 (n, z_dim), training rows (n,) whose edge maps a
    pix2pix translates), n = min(:data:`N_SNAPSHOT`, ``n_data``), drawn from ``seed`` + 1 alone, so a replay can
    show the inputs of a finished training without its trainer."""
    fixed = np.random.default_rng(int(seed) + 1)
    n = min(N_SNAPSHOT, int(n_data))
    z = fixed.standard_normal((n, z_dim)).astype(np.float32)
    return z, fixed.choice(int(n_data), n, replace=False)


class GANTrainer:
    """A generator, a discriminator, their optimisers and the record of training.

    Parameters
    ----------
    arch : the networks to build (:class:`core.generate.nets.Arch`); its side must match the images
    data : the training :class:`~core.generate.data.Images`
    lr, beta1 : Adam's step size and first-moment decay (DCGAN: 2e-4 and 0.5)
    batch : images per step
    l1 : weight of the L1 term (pix2pix only)
    seed : seeds weights, batches, flips and the snapshot noise
    snapshot_every : steps between two saved snapshots of the fixed noise's samples (0: none)
    augment : show the discriminator real AND generated pictures randomly shifted (up to 1/8 of the side) and
        brightened, differentiably (DiffAugment, Zhao et al. 2020): a small set then lasts longer before the
        discriminator learns it by heart
    device : "auto", "cpu", "cuda" or "mps"; None reads ``EMBEDLAB_DEVICE`` (see :mod:`core.device`)

    Attributes
    ----------
    steps : generator-or-discriminator updates done so far (a "both" step counts once)
    history : one dict per step: step, part ("d", "g" or "both"), d_loss, g_loss, d_real, d_fake
    snapshots : list of (step, uint8 pictures of the fixed noise)
    seconds : time spent training
    """

    def __init__(self, arch: Arch, data: Images, lr: float = 2e-4, beta1: float = 0.5, batch: int = 64,
                 l1: float = 100.0, seed: int = 0, snapshot_every: int = 0, device: str | None = None,
                 augment: bool = False):
        import torch

        from core.device import resolve_device

        check_real("learning rate", lr, 1e-6, 0.1, "DCGAN uses 0.0002")
        check_real("beta1", beta1, 0.0, 0.999)
        check_whole("batch", batch, 2, 1024)
        check_real("l1", l1, 0.0, 1000.0)
        check_whole("seed", seed, 0, 2**31 - 1)
        check_whole("snapshot_every", snapshot_every, 0, MAX_STEPS)
        if data.x.ndim != 4 or data.x.shape[1] != arch.channels or data.side != arch.side:
            raise InputError(f"the images are {tuple(data.x.shape[1:])} but the model makes "
                             f"({arch.channels}, {arch.side}, {arch.side})")
        if len(data) < 2:
            raise InputError("a GAN needs at least 2 training images")
        if arch.kind == "cdcgan":
            classes = sorted(set(data.labels.tolist()))
            if len(classes) != arch.n_classes:
                raise InputError(f"the conditional model has {arch.n_classes} classes; the data has {len(classes)}")
        self.arch, self.data = arch, data
        self.lr, self.beta1, self.batch, self.l1, self.seed = lr, beta1, int(batch), l1, int(seed)
        self.snapshot_every, self.augment = int(snapshot_every), bool(augment)
        self.device = resolve_device(device)
        self.classes = sorted(set(data.labels.tolist()))
        self.g, self.d = build(arch, torch.Generator().manual_seed(self.seed))
        self.g.to(self.device)
        self.d.to(self.device)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr, betas=(beta1, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr, betas=(beta1, 0.999))
        self._rng = np.random.default_rng(self.seed)
        self._torch_rng = torch.Generator().manual_seed(self.seed)
        self._x = torch.from_numpy(np.ascontiguousarray(data.x, dtype=np.float32))
        label_index = {c: i for i, c in enumerate(self.classes)}
        self._y = torch.as_tensor([label_index[c] for c in data.labels.tolist()], dtype=torch.long)
        self._cond = torch.from_numpy(edges(data.x)) if arch.kind == "pix2pix" else None
        z, self.fixed_rows = fixed_inputs(self.seed, len(data), arch.z_dim)  # pix2pix: rows whose edges it translates
        self.fixed_z = torch.from_numpy(z)
        self.fixed_labels = torch.arange(len(z)) % max(len(self.classes), 1)
        self.steps, self.seconds = 0, 0.0
        self.history: list[dict] = []
        self.snapshots: list[tuple[int, np.ndarray]] = []
        self._bce = torch.nn.BCEWithLogitsLoss()

    # ------------------------------------------------------------------------------------ a batch
    def _batch(self):
        import torch

        rows = torch.from_numpy(self._rng.choice(len(self._x), min(self.batch, len(self._x)), replace=False))
        x, y = self._x[rows], self._y[rows]
        cond = None if self._cond is None else self._cond[rows]
        if self.data.flip:
            flip = torch.from_numpy(self._rng.random(len(rows)) < 0.5)
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            if cond is not None:
                cond = torch.where(flip[:, None, None, None], cond.flip(-1), cond)
        to = self.device
        return x.to(to), y.to(to), None if cond is None else cond.to(to)

    def _fake(self, y, cond):
        import torch

        if self.arch.kind == "pix2pix":
            return self.g(cond)
        z = torch.randn(len(y), self.arch.z_dim, generator=self._torch_rng).to(self.device)
        return self.g(z, y)

    def _judge(self, x, y, cond):
        if self.augment:
            x = self._augmented(x)
        return self.d(x, cond if self.arch.kind == "pix2pix" else y)

    def _augmented(self, x):
        """Random per-picture shifts (border pixels repeated) and brightness, differentiable in ``x``."""
        import torch
        from torch.nn import functional

        n = len(x)
        shift = (torch.rand(n, 2, generator=self._torch_rng) - 0.5) * 0.5  # +-1/8 of the side (grid spans 2)
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0] = theta[:, 1, 1] = 1.0
        theta[:, :, 2] = shift
        grid = functional.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
        x = functional.grid_sample(x, grid, padding_mode="border", align_corners=False)
        light = (torch.rand(n, 1, 1, 1, generator=self._torch_rng) - 0.5) * 0.4
        return x + light.to(x.device)

    def _target(self, logits, value: float):
        import torch

        return torch.full_like(logits, value)

    # ------------------------------------------------------------------------------ the two updates
    def _d_update(self, x, y, cond) -> dict:
        import torch

        self.g.train()
        self.d.train()
        with torch.no_grad():
            fake = self._fake(y, cond)
        real_logits = self._judge(x, y, cond)
        fake_logits = self._judge(fake, y, cond)
        loss = self._bce(real_logits, self._target(real_logits, REAL_LABEL)) \
            + self._bce(fake_logits, self._target(fake_logits, 0.0))
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return {"d_loss": float(loss.detach()), "d_real": float(torch.sigmoid(real_logits.detach()).mean()),
                "d_fake": float(torch.sigmoid(fake_logits.detach()).mean())}

    def _g_update(self, x, y, cond) -> dict:
        import torch

        self.g.train()
        self.d.train()
        fake = self._fake(y, cond)
        logits = self._judge(fake, y, cond)
        loss = self._bce(logits, self._target(logits, 1.0))
        out = {"g_loss": float(loss.detach()), "d_fake_after": float(torch.sigmoid(logits.detach()).mean())}
        if self.arch.kind == "pix2pix":
            l1 = torch.nn.functional.l1_loss(fake, x)
            loss = loss + self.l1 * l1
            out["l1"] = float(l1.detach())
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return out

    def _record(self, part: str, row: dict, started: float) -> dict:
        self.steps += 1
        self.seconds += time.perf_counter() - started
        last = self.history[-1] if self.history else {}
        entry = {"step": self.steps, "part": part}
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "l1"):  # carry the other player's last value
            entry[key] = row.get(key, last.get(key, float("nan")))
        self.history.append(entry)
        if self.snapshot_every and self.steps % self.snapshot_every == 0:
            self.snapshots.append((self.steps, self.samples()))
        return entry

    def step_discriminator(self) -> dict:
        """One update of the discriminator on a real batch and a generated one; the generator is frozen."""
        import torch

        self._check_room(1)
        started = time.perf_counter()
        # the generator makes its batch in training mode (batch statistics, as in a full round) but must come out
        # unchanged: its batch-norm running averages are put back too
        buffers = {k: v.clone() for k, v in self.g.named_buffers()}
        row = self._d_update(*self._batch())
        with torch.no_grad():
            for k, v in self.g.named_buffers():
                v.copy_(buffers[k])
        return self._record("d", row, started)

    def step_generator(self) -> dict:
        """One update of the generator against the current discriminator, which is frozen."""
        self._check_room(1)
        started = time.perf_counter()
        row = self._g_update(*self._batch())
        row["d_fake"] = row.pop("d_fake_after")
        return self._record("g", row, started)

    def step(self) -> dict:
        """One round of the usual schedule: a discriminator update, then a generator update on the same batch."""
        self._check_room(1)
        started = time.perf_counter()
        batch = self._batch()
        row = self._d_update(*batch)
        g = self._g_update(*batch)
        row["g_loss"] = g["g_loss"]
        if "l1" in g:
            row["l1"] = g["l1"]
        return self._record("both", row, started)

    def run(self, n: int, progress: Progress = None) -> GANTrainer:
        """``n`` rounds of :meth:`step`, calling ``progress(done, n)`` about 50 times."""
        check_whole("steps", n, 1, MAX_STEPS)
        self._check_room(n)
        every = max(1, n // 50)
        for i in range(n):
            self.step()
            if progress is not None and ((i + 1) % every == 0 or i + 1 == n):
                progress(i + 1, n)
        return self

    def _check_room(self, n: int) -> None:
        if self.steps + n > MAX_STEPS:
            raise InputError(f"training is limited to {MAX_STEPS:,} steps; this model has done {self.steps:,}")

    # ------------------------------------------------------------------------------------ outputs
    def samples(self) -> np.ndarray:
        """uint8 pictures (n, side, side) made from the fixed snapshot noise (pix2pix: fixed edge maps)."""
        import torch

        self.g.eval()
        with torch.no_grad():
            if self.arch.kind == "pix2pix":
                out = self.g(self._cond[torch.from_numpy(self.fixed_rows)].to(self.device))
            else:
                out = self.g(self.fixed_z.to(self.device), self.fixed_labels.to(self.device))
        return to_uint8(out.float().cpu().numpy())

    def verdicts(self, real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The discriminator's probability that each of :meth:`samples` (the pictures as shown) is real, and that
        each of ``real`` (pixels in [-1, 1], shaped like the training data) is; D judges each batch with batch norm
        on that batch, as in training, without augmentation. Nothing changes: no weight, no batch-norm average,
        no random stream. For a DCGAN (a conditional model's or pix2pix's discriminator also needs the class or
        the edge map)."""
        import torch

        if self.arch.kind != "dcgan":
            raise InputError(f"verdicts are drawn for a DCGAN's discriminator, not a {self.arch.kind}'s")
        x = np.asarray(real, dtype=np.float32)
        if x.ndim != 4 or x.shape[1:] != self.data.x.shape[1:] or not np.isfinite(x).all():
            shape = ", ".join(map(str, self.data.x.shape[1:]))
            raise InputError(f"real pictures must be finite and shaped (n, {shape})")
        buffers = {k: v.clone() for k, v in self.d.named_buffers()}
        self.g.eval()
        self.d.train()
        try:
            with torch.no_grad():
                fake = self.g(self.fixed_z.to(self.device))
                p_fake = torch.sigmoid(self.d(fake)).float().cpu().numpy()
                p_real = torch.sigmoid(self.d(torch.from_numpy(x).to(self.device))).float().cpu().numpy()
        finally:
            with torch.no_grad():
                for k, v in self.d.named_buffers():
                    v.copy_(buffers[k])
        return p_fake, p_real

    def generator_state(self) -> dict:
        """The generator's weights on the CPU (what a shipped model file holds)."""
        return {k: v.detach().cpu() for k, v in self.g.state_dict().items()}
