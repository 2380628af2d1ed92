"""The dashboard's own keeper of results made with a live progress bar (``cached.kept``)."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard import cached


def test_kept_computes_once_per_key_without_the_live_callbacks_and_forgets_the_oldest():
    calls = []

    @cached.kept(2)
    def square(x: int, scale: int = 1, progress=None):
        calls.append((x, scale))
        if progress is not None:
            progress(1.0)
        return np.full(3, x * x * scale)

    seen = []
    first = square(3, progress=seen.append)
    assert seen == [1.0] and first.tolist() == [9, 9, 9]
    assert square(3, progress=seen.append) is first and seen == [1.0]  # kept: the bar is not shown again
    assert square(x=3, scale=1) is first and square.done(3) is first and square.done(3, 1) is first
    with pytest.raises(ValueError):
        first[0] = 0  # shared between sessions: read-only
    assert square.done(4) is None and calls == [(3, 1)]
    square(3, 2)
    square(4)  # a third key: the least recently used, (3, 1), is dropped
    assert square.done(3) is None and square.done(3, 2) is not None and len(square.store().items) == 2
    assert square.__name__ == "square" and all(len(k) == 2 for k in square.store().items)  # (x, scale): no callback
