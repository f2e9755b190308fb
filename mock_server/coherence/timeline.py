"""One timeline per world: what comes first in an object comes first in its timestamps.

Synthesized moments fall in a fixed window (`synthesis.formats`), so the same seed gives the
same dates on any day. The timeline's anchor is the end of that window unless moved
(`--clock`): moving it shifts every synthesized moment by the same amount, so relative order
survives. The mock's clock starts at the anchor and runs from start-up, so what clients write
comes after everything seeded, and nothing is ever later than the clock. Within one object,
creation comes first, the last update last, and each span (start/end, issued/expires) runs
forwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mock_server.coherence import fields
from mock_server.synthesis.formats import WINDOW_SECONDS, WINDOW_START

DEFAULT_ANCHOR = WINDOW_START + timedelta(seconds=WINDOW_SECONDS)

Fits = Callable[[str, Any], bool]


def parse_anchor(text: str) -> datetime:
    """`2026-11-30` or an ISO date-time, read as UTC when it names no zone."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Timeline:
    def __init__(self, anchor: datetime = DEFAULT_ANCHOR) -> None:
        self.anchor = anchor
        self._shift = anchor - DEFAULT_ANCHOR
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self.anchor + timedelta(seconds=time.monotonic() - self._started)

    def now_text(self) -> str:
        return _render(self.now(), "T" * 11)

    def shift(
        self, value: dict[str, Any], time_fields: list[str], by: timedelta, fits: Fits
    ) -> None:
        """Move the object's moments by the same amount, none past the anchor, in place (the
        seeded world ends at the anchor whenever it was seeded)."""
        for name in time_fields:
            moment = parse_moment(value.get(name))
            if moment is not None:
                shown = _render(min(moment + by, self.anchor), value[name])
                if fits(name, shown):
                    value[name] = shown

    def order(self, value: dict[str, Any], time_fields: tuple[str, ...], fits: Fits) -> None:
        """Shift the object's moments onto the timeline and put them in order, in place."""
        moments: dict[str, datetime] = {}
        for name in time_fields:
            parsed = parse_moment(value.get(name))
            if parsed is not None:
                moments[name] = min(parsed + self._shift, self.anchor)
        if not moments:
            return
        wanted = dict(moments)
        earliest, latest = min(moments.values()), max(moments.values())
        for name in moments:
            role = fields.time_role(name)
            if role == "created":
                wanted[name] = earliest
            elif role == "updated":
                wanted[name] = latest
        for first, second in fields.SPANS:
            if first in wanted and second in wanted and wanted[first] > wanted[second]:
                wanted[first], wanted[second] = wanted[second], wanted[first]
        for name, moment in wanted.items():
            shown = _render(moment, value[name])
            if shown != value[name] and fits(name, shown):
                value[name] = shown


def parse_moment(value: Any) -> datetime | None:
    """A date or date-time string as a UTC moment; None for anything else."""
    if not isinstance(value, str) or len(value) < 10 or not value[:4].isdigit():
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _render(moment: datetime, like: str) -> str:
    """`moment` written the way `like` was: a date, or a UTC date-time."""
    if len(like) == 10:
        return moment.date().isoformat()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
