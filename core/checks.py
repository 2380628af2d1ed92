"""Checks of the numeric parameters estimators take, with the messages people read (``InputError``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.errors import InputError


def show_number(value: float) -> str:
    """A range's end as a reader writes it: 2,147,483,647 (never 2.14748e+09), 0.00001 (never 1e-05), 0.5."""
    v = float(value)
    if v.is_integer():
        return f"{int(v):,}"
    if 1e-9 <= abs(v) < 1e15:
        return f"{v:.12f}".rstrip("0").rstrip(".")
    return f"{v:g}"


def check_whole(name: str, value: Any, lo: int, hi: int, hint: str = "") -> int:
    """``value`` must be a whole number (not a bool) from ``lo`` to ``hi``; ``hint`` says what is usual.
    Returns it as an ``int``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise InputError(f"{name}={value!r} must be a whole number from {lo:,} to {hi:,}"
                         + (f" ({hint})" if hint else ""))
    return int(value)


def check_real(name: str, value: Any, lo: float, hi: float, hint: str = "") -> None:
    """``value`` must be a finite number (not a bool) from ``lo`` to ``hi``; ``hint`` says what is usual."""
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and lo <= value <= hi):
        raise InputError(f"{name}={value!r} must be a number from {show_number(lo)} to {show_number(hi)}"
                         + (f" ({hint})" if hint else ""))
