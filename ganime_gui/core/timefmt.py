"""How durations and ETAs read everywhere in the app: tabs, crawl log lines and the terminal."""
from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """``42s``, ``3m 05s``, ``2h 07m``; ``–`` when unknown (None or NaN)."""
    if seconds is None or seconds != seconds:
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h {m:02d}m" if h else (f"{m}m {s:02d}s" if m else f"{s}s")


def format_eta(seconds: float | None, unknown: str = "ETA unknown") -> str:
    """``ETA 3m 05s``, or ``unknown`` when there is no estimate yet."""
    if seconds is None or seconds != seconds:
        return unknown
    return f"ETA {format_duration(seconds)}"
