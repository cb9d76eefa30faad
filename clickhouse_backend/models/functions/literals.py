"""Numbers ClickHouse takes as literal parameters (``quantile(0.9)(x)``, ``topK(10)(x)``,
a DateTime64 precision, a week mode): checked here, before they are written into SQL."""

from __future__ import annotations


def whole_number(owner: str, parameter: str, value: object, low: int, high: int) -> int:
    """``value`` as an int from ``low`` to ``high``; a ValueError naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{owner}() {parameter} must be a whole number from {low} to {high}, not {value!r}."
        )
    return int(value)  # int's own digits, whatever a subclass prints


def quantile_level(value: object) -> float:
    """A quantile level: a number from 0 to 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"Quantile level must be a number from 0 to 1, not {value!r}.")
    return float(value)
