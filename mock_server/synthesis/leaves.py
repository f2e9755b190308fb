"""Scalar values: field-name suggestions first, plain schema-driven generation as the fallback."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mock_server.synthesis import formats, heuristics
from mock_server.synthesis.draws import Draw
from mock_server.synthesis.schemas import View
from mock_server.synthesis.validation import Direction, Validators

_ANNOTATIONS = frozenset(
    {"description", "title", "nullable", "readOnly", "writeOnly", "example", "default"}
)


def _open(schema: Mapping[str, Any]) -> bool:
    """A schema that constrains nothing: every JSON value is valid for it."""
    return set(schema) <= _ANNOTATIONS


class Leaves:
    def __init__(self, validators: Validators) -> None:
        self._validators = validators

    def leaf(
        self, view: View, draw: Draw, name: str | None, owner: str | None, direction: Direction
    ) -> Any:
        kind = view.type
        if kind == "integer":
            preferred = (name and heuristics.numeric_range(name)) or formats.DEFAULT_INTEGERS
            return formats.integer_value(view.schema, draw, preferred)
        if kind == "number":
            preferred = (name and heuristics.numeric_range(name)) or formats.DEFAULT_NUMBERS
            return formats.number_value(view.schema, draw, preferred)
        if kind == "boolean":
            return draw.pick(2) == 1
        empty = heuristics.structured(name) if kind is None and name else None
        if empty is not None and _open(view.schema):
            return empty
        # Strings, and schemas with no type at all, for which a string is valid and reads best.
        return self._string(view, draw, name, owner, direction)

    def _string(
        self, view: View, draw: Draw, name: str | None, owner: str | None, direction: Direction
    ) -> str:
        schema = view.schema
        bounds = formats.string_bounds(schema)
        if name:
            suggested = self._suggested(schema, draw, name, owner, bounds, direction)
            if suggested is not None:
                return suggested
        fmt = schema.get("format")
        pattern = schema.get("pattern")
        if fmt == "decimal":
            preferred = (name and heuristics.numeric_range(name)) or (0.0, 1000.0)
            decimal = formats.decimal_string(pattern, draw, preferred)
            if decimal is not None:
                return decimal
        if isinstance(pattern, str):
            realistic = _pattern_candidates(draw, fmt)
            return formats.pattern_string(pattern, draw, bounds, realistic)
        maker = formats.FORMATS.get(fmt) if isinstance(fmt, str) else None
        if maker is not None:
            value = maker(draw)
            if bounds[0] <= len(value) <= (bounds[1] if bounds[1] is not None else len(value)):
                return value
        return formats.text(draw, *bounds)

    def _suggested(
        self,
        schema: Mapping[str, Any],
        draw: Draw,
        name: str,
        owner: str | None,
        bounds: tuple[int, int | None],
        direction: Direction,
    ) -> str | None:
        """The first name-based suggestion that validates against the field's schema."""
        candidates, prose = heuristics.string_candidates(name, draw, owner)
        if prose:
            # Prose comes longest first: a whole sentence that fits beats a paragraph cut short.
            low, high = bounds
            whole = [
                c for c in candidates if low <= len(c) <= (high if high is not None else len(c))
            ]
            cut = [formats.fit_length(c, draw, *bounds) for c in candidates]
            candidates = whole + cut
        for candidate in candidates:
            if self._validators.fits(schema, candidate, direction):
                return candidate
        return None


def _pattern_candidates(draw: Draw, fmt: Any) -> Iterator[str]:
    """Readable strings worth trying against a pattern before resorting to `rstr`; made lazily."""
    maker = formats.FORMATS.get(fmt) if isinstance(fmt, str) else None
    if maker is not None:
        yield maker(draw)
    fake = draw.fake()
    yield fake.slug()
    yield fake.word()
    yield fake.user_name().replace(".", "_")
    yield f"{fake.slug()}.{draw.rng.choice(('png', 'jpg', 'webp'))}"
    yield heuristics.string_candidates("course_id", draw)[0][0]
