"""The one place that decides where torch work runs: ``cpu``, ``cuda`` or ``mps``.

``resolve_device("auto")`` (the default everywhere) picks CUDA, then Apple's MPS, then the CPU.
The environment variable ``EMBEDLAB_DEVICE`` overrides the default for the whole process.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from core.errors import InputError


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


# Preference order for "auto": first available wins.
_CHECKS: dict[str, Callable[[], bool]] = {
    "cuda": _cuda_available,
    "mps": _mps_available,
    "cpu": lambda: True,
}
DEVICES = ("auto", *_CHECKS)


def resolve_device(preference: str | None = None) -> str:
    """Return the torch device name to use.

    Parameters
    ----------
    preference : {"auto", "cuda", "mps", "cpu"} or None
        None reads ``EMBEDLAB_DEVICE`` (default ``"auto"``).
    """
    choice = (preference or os.environ.get("EMBEDLAB_DEVICE") or "auto").lower()
    if choice not in DEVICES:
        raise InputError(f"device={choice!r} is not known; choose one of {', '.join(DEVICES)}")
    if choice == "auto":
        return next(name for name, available in _CHECKS.items() if available())
    if not _CHECKS[choice]():
        raise InputError(f"device={choice!r} was asked for but is not available here; use 'auto' or 'cpu'")
    return choice
