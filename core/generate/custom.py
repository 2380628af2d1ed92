"""Your own GAN: the networks for a training set, the limits of a device, shared training links.

>>> from core.generate import custom
>>> custom.arch_for(64)                       # Arch(kind='dcgan', side=64, ..., width=16): small enough for a CPU
>>> custom.limits("cpu")                      # Limits(per_click=500, total=3000)
>>> t = custom.new_trainer(images("faces"), batch=32)                    # doctest: +SKIP
>>> t.step_discriminator(); t.step_generator(); t.run(40)                # doctest: +SKIP
>>> custom.schedule_code(t.history)           # 'd1g1b40': what a shared link carries  # doctest: +SKIP
>>> again = custom.new_trainer(images("faces"), batch=32)                # doctest: +SKIP
>>> custom.replay(again, custom.parse_schedule("d1g1b40"))  # the same model, on the same machine  # doctest: +SKIP

A trainer is seeded (weights, batches, noise), but a discriminator step, a generator step and a full round draw
from the random streams differently; so a link carries the *schedule* of the updates, run-length coded: ``b`` a
full round (:meth:`~core.generate.train.GANTrainer.step`), ``d`` a discriminator step, ``g`` a generator step.
A plain number is that many full rounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import InputError
from core.generate.data import Images
from core.generate.nets import SIDES, Arch
from core.generate.train import MAX_STEPS, GANTrainer

WIDTHS = {32: 32, 64: 16}  # the widest layer's channels: 64 px at width 16 runs ~3x faster than width 32
LEARNING_RATES = (0.0001, 0.0002, 0.0005, 0.001, 0.002)  # DCGAN's 0.0002; 0.002 is there to see it fail
BATCHES = (16, 32, 64)
RUN_CHOICES = (10, 50, 100, 200, 500, 1000, 2000, 5000)
MAX_SCHEDULE_RUNS = 3_000  # runs of one letter a link may carry (each click that alternates D and G adds one):
# a model's every step on a CPU, about 6-12 kB of link at worst
PARTS = {"b": "both", "d": "d", "g": "g"}  # letter of the link -> ``part`` of the trainer's history
LETTERS = {part: letter for letter, part in PARTS.items()}


@dataclass(frozen=True)
class Limits:
    """How much one click may train and how far one model may go on a device (the page's time budget)."""

    per_click: int
    total: int


LIMITS = {"cpu": Limits(500, 3_000), "mps": Limits(2_000, 10_000), "cuda": Limits(5_000, 20_000)}
# Seconds per full round at batch 64. CPU: measured on 2 cores (busy with another job: an upper end) with these
# widths; MPS and CUDA: rough guesses, not measured yet. The page shows the measured time once a step has run.
SECONDS_PER_ROUND = {"cpu": {32: 0.12, 64: 0.21}, "mps": {32: 0.02, 64: 0.04}, "cuda": {32: 0.008, 64: 0.012}}


def limits(device: str) -> Limits:
    """The step limits of ``device`` ("cpu", "mps" or "cuda")."""
    if device not in LIMITS:
        raise InputError(f"device {device!r} is not known; choose one of {', '.join(LIMITS)}")
    return LIMITS[device]


def run_choices(device: str) -> list[int]:
    """The "Run N steps" choices one click may take on ``device``."""
    per_click = limits(device).per_click
    return [n for n in RUN_CHOICES if n <= per_click] or [per_click]


def arch_for(side: int, channels: int = 1) -> Arch:
    """The DCGAN trained from the page for pictures of ``side`` pixels: small enough to step live on a CPU."""
    if side not in SIDES:
        raise InputError(f"side={side!r} must be one of {', '.join(map(str, SIDES))}")
    return Arch("dcgan", side, channels=channels, width=WIDTHS[side])


def estimate_seconds(side: int, batch: int, device: str) -> float:
    """Rough seconds per full round (discriminator + generator) before any has run; measured ones replace it."""
    if side not in SIDES:
        raise InputError(f"side={side!r} must be one of {', '.join(map(str, SIDES))}")
    limits(device)  # a clear error for an unknown device
    base = SECONDS_PER_ROUND[device][side]
    return base * (0.3 + 0.7 * batch / 64)  # a fixed cost per step, then about linear in the batch


def new_trainer(data: Images, lr: float = 2e-4, batch: int = 64, seed: int = 0,
                device: str | None = None) -> GANTrainer:
    """A fresh :class:`~core.generate.train.GANTrainer` of :func:`arch_for` the images' side."""
    return GANTrainer(arch_for(data.side, int(data.x.shape[1])), data, lr=lr, batch=batch, seed=seed, device=device)


# ------------------------------------------------------------------------------ a link's schedule
def schedule_code(history: list[dict]) -> str:
    """The run-length code of the updates in ``history`` ("" for none; a plain number for full rounds only)."""
    runs: list[list] = []
    for entry in history:
        letter = LETTERS[entry["part"]]
        if runs and runs[-1][0] == letter:
            runs[-1][1] += 1
        else:
            runs.append([letter, 1])
    if len(runs) == 1 and runs[0][0] == "b":
        return str(runs[0][1])
    return "".join(f"{letter}{n}" for letter, n in runs)


def link_code(history: list[dict]) -> str | None:
    """:func:`schedule_code` for a shared link: None when there is nothing to carry, or when the updates alternate
    so often that the code has more than :data:`MAX_SCHEDULE_RUNS` parts (a link could not replay it)."""
    code = schedule_code(history)
    if not code or (not code.isdigit() and len(re.findall(r"[bdg]", code)) > MAX_SCHEDULE_RUNS):
        return None
    return code


def parse_schedule(code: str) -> list[tuple[str, int]]:
    """``"d1g1b40"`` -> ``[("d", 1), ("g", 1), ("b", 40)]``; a plain number N is ``[("b", N)]``."""
    code = str(code).strip().lower()
    if code.isdigit():
        code = f"b{code}"
    if not code or not re.fullmatch(r"([bdg]\d{1,6})+", code):
        raise InputError(f"the training schedule {code!r} is not understood: it is a number of steps, or letters "
                         "b (a full round), d (a discriminator step), g (a generator step) each followed by a count")
    runs = [(m.group(1), int(m.group(2))) for m in re.finditer(r"([bdg])(\d+)", code)]
    if len(runs) > MAX_SCHEDULE_RUNS:
        raise InputError(f"the training schedule has {len(runs):,} parts; a link carries at most {MAX_SCHEDULE_RUNS:,}")
    if any(n == 0 for _, n in runs):
        raise InputError(f"the training schedule {code!r} has a part of 0 steps")
    return runs


def schedule_steps(runs: list[tuple[str, int]]) -> int:
    return sum(n for _, n in runs)


def truncate(runs: list[tuple[str, int]], steps: int) -> list[tuple[str, int]]:
    """The first ``steps`` updates of a schedule."""
    out, left = [], int(steps)
    for letter, n in runs:
        if left <= 0:
            break
        out.append((letter, min(n, left)))
        left -= n
    return out


def replay(trainer: GANTrainer, runs: list[tuple[str, int]],
           progress: Callable[[int, int], None] | None = None) -> GANTrainer:
    """Apply a schedule's updates to ``trainer``, calling ``progress(done, total)`` about 50 times; returns it."""
    total = schedule_steps(runs)
    if trainer.steps + total > MAX_STEPS:
        raise InputError(f"the schedule asks for {total:,} steps; a model trains at most {MAX_STEPS:,}")
    every, done = max(1, total // 50), 0
    one = {"b": trainer.step, "d": trainer.step_discriminator, "g": trainer.step_generator}
    for letter, n in runs:
        for _ in range(n):
            one[letter]()
            done += 1
            if progress is not None and (done % every == 0 or done == total):
                progress(done, total)
    return trainer
