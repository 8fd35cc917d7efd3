"""How fast a person sorts this sitting."""
from __future__ import annotations

import time
from typing import Callable

# Below this much time a rate is noise (three labels in two seconds is not 90 per minute).
_MIN_ELAPSED_S = 20.0


class PaceMeter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._started: float | None = None
        self.labelled = 0

    def record(self, images: int) -> None:
        if images <= 0:
            return
        if self._started is None:
            self._started = self._clock()
        self.labelled += images

    def per_minute(self) -> float:
        if self._started is None:
            return 0.0
        elapsed = max(self._clock() - self._started, _MIN_ELAPSED_S)
        return self.labelled * 60.0 / elapsed
