"""The schema walker: response (and request) bodies that validate and read like real data.

Output is a pure function of (document, seed, schema, key, context): every field draws from a
seed derived from its JSON pointer (see `draws`), no clock is read, and nothing iterates in an
order that varies between processes.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol

from mock_server.synthesis import examples
from mock_server.synthesis.draws import Draw, derive_seed, new_faker
from mock_server.synthesis.echo import EchoTable
from mock_server.synthesis.heuristics import singular
from mock_server.synthesis.leaves import Leaves
from mock_server.synthesis.schemas import Schema, SchemaIndex, View
from mock_server.synthesis.validation import Direction, Validators

if TYPE_CHECKING:
    from faker import Faker

# Past this depth only required properties and minimal arrays are produced and nullable values
# are null, so recursive schemas terminate; past the hard limit nothing more is generated at all.
MAX_DEPTH: Final = 6
HARD_DEPTH: Final = 24
# How many rounds of all oneOf/anyOf alternatives are tried before giving up.
CHOICE_ROUNDS: Final = 3

_MISSING: Final = object()
_ANY: Final[Schema] = MappingProxyType({})  # shared, so the view cache holds one entry for it


@dataclass(frozen=True, slots=True)
class _Run:
    """What stays fixed during one call."""

    prefix: str
    echo: EchoTable
    direction: Direction


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a value goes: its pointer (the seed source), name and parent, and its depth."""

    ptr: str = ""
    name: str | None = None
    owner: str | None = None
    depth: int = 0
    echo: bool = True  # array items are not named fields: path values are not echoed into them

    def child(self, token: str, name: str | None, owner: str | None, echo: bool = True) -> _Site:
        escaped = token.replace("~", "~0").replace("/", "~1")
        return _Site(f"{self.ptr}/{escaped}", name, owner, self.depth + 1, echo)

    def retry(self, attempt: int) -> _Site:
        return _Site(f"{self.ptr}@{attempt}", self.name, self.owner, self.depth, self.echo)


class Finisher(Protocol):
    """The last step of every answer value: make it agree with the world (`coherence`)."""

    def __call__(
        self, value: Any, schema: Mapping[str, Any], context: Mapping[str, str] | None, key: str
    ) -> Any: ...


class Synthesizer:
    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        seed: int = 0,
        validators: Validators | None = None,
        finish: Finisher | None = None,
    ) -> None:
        self._seed = seed
        self._index = SchemaIndex(document)
        self._validators = validators or Validators(document)
        self._finish = finish
        self._leaves = Leaves(self._validators)
        # One Faker per thread: a draw re-seeds it and then reads it (draws.py), which another
        # thread's draw in between would spoil. Answers are made on the event loop's thread and
        # on the engine's worker (offload.py).
        self._fakers = threading.local()

    def _faker(self) -> Faker:
        faker: Faker | None = getattr(self._fakers, "faker", None)
        if faker is None:
            faker = self._fakers.faker = new_faker()
        return faker

    def body(
        self, media: Mapping[str, Any], *, key: str, context: Mapping[str, str] | None = None
    ) -> Any:
        """A response body for an OpenAPI media-type object.

        A declared example is served only when it validates and declares nothing the schema
        does not; otherwise the body is generated from the schema.
        """
        run = self._run(key, context, "response")
        schema = media.get("schema")
        schema = schema if isinstance(schema, Mapping) else None
        example = self._example(media, schema, run)
        if example is not _MISSING:
            return self._finished(example, schema, context, key)
        if schema is None:
            return None
        value = self._generate(self._index.view(schema), run, _Site())
        return self._finished(value, schema, context, key)

    def value(
        self,
        schema: Mapping[str, Any],
        *,
        key: str,
        context: Mapping[str, str] | None = None,
        direction: Direction = "response",
    ) -> Any:
        """A value valid against `schema`, which may be or contain local `$ref`s."""
        run = self._run(key, context, direction)
        value = self._generate(self._index.view(schema), run, _Site())
        return self._finished(value, schema, context, key) if direction == "response" else value

    def fits(
        self, schema: Mapping[str, Any], value: Any, direction: Direction = "response"
    ) -> bool:
        """Whether `value` validates against `schema` as openapi-core would judge it."""
        return self._validators.fits(schema, value, direction)

    def _finished(
        self,
        value: Any,
        schema: Mapping[str, Any] | None,
        context: Mapping[str, str] | None,
        key: str,
    ) -> Any:
        if self._finish is None or schema is None:
            return value
        return self._finish(value, schema, context, key)

    def _run(self, key: str, context: Mapping[str, str] | None, direction: Direction) -> _Run:
        return _Run(f"{self._seed}|{key}", EchoTable(context), direction)

    def _draw(self, run: _Run, site: _Site) -> Draw:
        return Draw(derive_seed(run.prefix, site.ptr), self._faker())

    def _fits(self, schema: Schema, value: Any, run: _Run) -> bool:
        return self._validators.fits(schema, value, run.direction)

    # -- examples ---------------------------------------------------------------------------

    def _example(self, media: Mapping[str, Any], schema: Schema | None, run: _Run) -> Any:
        usable = [
            found
            for found in examples.declared(media, self._index)
            if schema is None or self._example_fits(found, schema, run)
        ]
        if not usable:
            return _MISSING
        draw = self._draw(run, _Site("#example"))
        chosen = copy.deepcopy(usable[draw.pick(len(usable))])
        if run.echo and schema is not None and isinstance(chosen, dict):
            properties = self._index.view(schema).schema.get("properties") or {}
            for name in list(chosen):
                if name in properties:
                    echoed = self._echo(self._index.view(properties[name]), run, name)
                    chosen[name] = chosen[name] if echoed is _MISSING else echoed
        return chosen

    def _example_fits(self, found: Any, schema: Schema, run: _Run) -> bool:
        valid = self._fits(schema, found, run)
        return valid and not examples.undeclared(found, schema, self._index)

    def _echo(self, view: View, run: _Run, name: str) -> Any:
        for candidate in run.echo.values(name, view.type):
            if self._fits(view.schema, candidate, run):
                return candidate
        return _MISSING

    # -- the walker -------------------------------------------------------------------------

    def _generate(self, view: View, run: _Run, site: _Site) -> Any:
        if site.depth > HARD_DEPTH or (site.depth > MAX_DEPTH and view.nullable):
            return None
        if site.echo and site.name and run.echo:
            echoed = self._echo(view, run, site.name)
            if echoed is not _MISSING:
                return echoed
        if view.choices:
            return self._choose(view, run, site)
        enum = view.schema.get("enum")
        if isinstance(enum, list) and enum:
            return self._enum(view, enum, run, site)
        kind = view.type
        default = view.schema.get("default")
        if kind == "array" and isinstance(default, list) and default:
            # A list with a default is a constant of the protocol (SCIM's `schemas`).
            return copy.deepcopy(default)
        if kind == "object":
            return self._object(view, run, site)
        if kind == "array":
            return self._array(view, run, site)
        return self._leaves.leaf(view, self._draw(run, site), site.name, site.owner, run.direction)

    def _choose(self, view: View, run: _Run, site: _Site) -> Any:
        """Try the alternatives in a seeded order until one yields a value the whole schema takes.

        Alternatives that can only give null or '' (drf-spectacular's NullEnum / BlankEnum) come
        last, so a field gets a real value whenever one is possible.
        """
        branches = [self._index.branch(view, i) for i in range(len(view.choices))]
        real = [i for i, branch in enumerate(branches) if not _uninformative(branch)]
        rest = [i for i in range(len(branches)) if i not in real]
        if real:
            start = self._draw(run, site).pick(len(real))
            real = real[start:] + real[:start]
        value: Any = None
        for attempt in range(CHOICE_ROUNDS):
            for i in real + rest:
                where = site if attempt == 0 else site.retry(attempt)
                value = self._generate(branches[i], run, where)
                if self._fits(view.schema, value, run):
                    return value
        return value

    def _enum(self, view: View, enum: list[Any], run: _Run, site: _Site) -> Any:
        preferred = [value for value in enum if value not in (None, "")]
        pool = preferred or enum
        start = self._draw(run, site).pick(len(pool))
        ordered = pool[start:] + pool[:start] + [value for value in enum if value not in pool]
        for value in ordered:
            if self._fits(view.schema, value, run):
                return copy.deepcopy(value)
        return copy.deepcopy(ordered[0])

    def _object(self, view: View, run: _Run, site: _Site) -> dict[str, Any]:
        schema = view.schema
        properties: Mapping[str, Schema] = schema.get("properties") or {}
        required = schema.get("required") or ()
        owner = view.name or site.name or site.owner
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if site.depth > MAX_DEPTH and name not in required:
                continue
            child = self._index.view(sub)
            if child.write_only if run.direction == "response" else child.read_only:
                continue
            out[name] = self._generate(child, run, site.child(name, name, owner))
        extra = schema.get("additionalProperties")
        wanted = int(schema.get("minProperties") or 0)
        free_form = not properties and site.depth <= MAX_DEPTH
        if extra is not False and (free_form or len(out) < wanted):
            self._add_entries(out, extra, run, site, wanted)
        limit = schema.get("maxProperties")
        if isinstance(limit, int):
            for name in [n for n in reversed(out) if n not in required][: max(len(out) - limit, 0)]:
                del out[name]
        return out

    def _add_entries(
        self, out: dict[str, Any], extra: Any, run: _Run, site: _Site, wanted: int
    ) -> None:
        """Word-keyed entries for free-form maps, or to reach minProperties."""
        draw = self._draw(run, site.child("*", None, None))
        count = max(wanted - len(out), draw.rng.randint(1, 3) if not out else 0)
        value_view = self._index.view(extra if isinstance(extra, Mapping) else _ANY)
        words = draw.fake().words(nb=count + len(out) + 3, unique=True)
        for word in [w for w in words if w not in out][:count]:
            out[word] = self._generate(value_view, run, site.child(word, word, site.owner))

    def _array(self, view: View, run: _Run, site: _Site) -> list[Any]:
        schema = view.schema
        low = int(schema.get("minItems") or 0)
        high = schema.get("maxItems")
        if site.depth > MAX_DEPTH:
            count = low
        else:
            top = max(low, 3) if high is None else min(max(low, 3), int(high))
            count = self._draw(run, site).rng.randint(min(max(low, 1), top), top)
        items = schema.get("items")
        item_view = self._index.view(items if isinstance(items, Mapping) else _ANY)
        item_name = singular(site.name) if site.name else None
        unique = schema.get("uniqueItems") is True
        out: list[Any] = []
        seen: set[str] = set()
        for attempt in range(count * 5 if unique else count):
            if len(out) == count:
                break
            value = self._generate(
                item_view, run, site.child(str(attempt), item_name, site.owner, echo=False)
            )
            if unique:
                token = json.dumps(value, sort_keys=True, default=str)
                if token in seen:
                    continue
                seen.add(token)
            out.append(value)
        return out


def _uninformative(branch: View) -> bool:
    """An alternative whose only values are null and/or the empty string."""
    enum = branch.schema.get("enum")
    return isinstance(enum, list) and all(value in (None, "") for value in enum)
