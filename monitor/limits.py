"""Size limits from the environment (in MB) and the bytes a result holds, for the query and Explorer caches."""

from __future__ import annotations

import os

import pandas as pd

MB = 1024 * 1024


def megabytes(setting: str, default: int) -> int:
    """A size setting in MB from the environment (a whole number from 1 on)."""
    raw = os.environ.get(setting, str(default)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{setting}={raw!r}: erwartet eine ganze Zahl von Megabytes ab 1")
    return int(raw)


def frame_bytes(frame: pd.DataFrame) -> int:
    """Memory a frame holds, its strings included (cheap: pandas keeps them in Arrow buffers)."""
    return int(frame.memory_usage(index=True, deep=True).sum())
