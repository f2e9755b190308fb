"""Actions whose names say what they do to a record: `add-mentor`, `remove_members`.

An action on an item (`.../disclaimers/{id}/add-mentor/`) whose last segment is `add-<noun>` or
`remove-<noun>` adds to, or removes from, the record's list field for that noun (`mentors`,
`members`) the values the body sends under the noun's name (`mentor_id`, `mentor`, `members`).
Values that would not fit the list's item schema are left out, so the record stays valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mock_server.spec.index import segments

_ACTION = re.compile(r"^(add|remove)[-_]([a-z0-9_]+?)s?$")


@dataclass(frozen=True)
class Membership:
    adds: bool
    noun: str

    @classmethod
    def of(cls, path: str) -> Membership | None:
        match = _ACTION.match(segments(path)[-1].lower())
        if match is None:
            return None
        return cls(match.group(1) == "add", match.group(2).replace("-", "_"))

    def field(self, properties: Mapping[str, Any]) -> str | None:
        """The record's list field this action changes."""
        for name in (f"{self.noun}s", self.noun, f"{self.noun}_ids", f"{self.noun}es"):
            if name in properties:
                return name
        return None

    def values(self, body: Any) -> list[Any]:
        """What the body names: one value or a list, under any of the noun's usual names."""
        if not isinstance(body, Mapping):
            return []
        for name in (
            f"{self.noun}_id",
            self.noun,
            f"{self.noun}_ids",
            f"{self.noun}s",
            f"{self.noun}_unique_id",
        ):
            if name in body and body[name] is not None:
                value = body[name]
                return list(value) if isinstance(value, list) else [value]
        return []

    def apply(self, current: Any, values: list[Any]) -> list[Any]:
        members = list(current) if isinstance(current, list) else []
        if self.adds:
            return members + [v for v in values if v not in members]
        return [m for m in members if m not in values]
