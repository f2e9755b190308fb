"""Titles and free text that read like a learning platform's, built from `fixtures/vocabulary.yaml`.

The domain (mentor, course, chat, ...) comes from the field's own words first (`course_name`),
then from the object it belongs to (`Mentor`); the kind of text (description, message, system
prompt, ...) from the field's words. Only `draw.rng` and the vocabulary are used, so a value is
a pure function of its seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from random import Random
from typing import Any

import yaml

from mock_server.synthesis.draws import Draw

# fixtures/vocabulary.yaml in a checkout (linked from mock_server/fixtures/), the file installed.
DEFAULT_VOCABULARY_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "vocabulary.yaml"
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SUBJECT_SLOTS = frozenset({"subject", "skill", "skill2", "task", "term", "role"})
_SMALL = frozenset(
    ("a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with")
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SLOT = re.compile(r"\{(\w+)\}")
Parts = tuple[tuple[str, ...], ...]  # one template is picked from each part, in order
# What to try when a domain lacks a kind, in order; a tuple is a random pick among those present.
_CHAIN: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "message": ("message", ("question", "answer"), "description"),
    "question": ("question", "message"),
    "answer": ("answer", "message"),
    "feedback": ("feedback", "message"),
    "greeting": ("greeting", "message"),
    "moderation": ("moderation", "safety"),
    "description": ("description", "message"),
}
# Where a kind is at home when the chosen domain has nothing like it.
_HOME = {"question": "chat", "answer": "chat", "transcript": "chat", "feedback": "feedback"}
_HOME |= dict.fromkeys(
    ("greeting", "suggestion", "safety", "moderation", "postprocess", "evaluation", "memory"),
    "mentor",
)
KINDS = frozenset({"title", "description", "message", "prompt", "bio"} | set(_HOME))


class VocabularyError(ValueError):
    """The vocabulary file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    skills: tuple[str, ...]
    tasks: tuple[str, ...]
    terms: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    subjects: tuple[Subject, ...]
    slots: dict[str, tuple[str, ...]]
    aliases: tuple[tuple[str, frozenset[str]], ...]  # in priority order
    kinds: dict[str, str]  # a field's last word -> kind
    refinements: dict[str, dict[str, str]]  # kind -> {earlier word: narrower kind}
    domains: dict[str, dict[str, Parts]]


# The file's shape: `str` is any text, `_KIND` one of KINDS; a one-key dict is a free mapping.
_KIND, _TEMPLATES = "kind", "templates"  # templates: a list of strings, or of such lists
_SHAPE: dict[str, Any] = {
    "subjects": [{"name": str, "skills": [str], "tasks": [str], "terms": [str], "roles": [str]}],
    "slots": {str: [str]},
    "aliases": {str: [str]},
    "kinds": {_KIND: [str]},
    "refinements": {str: {str: _KIND}},
    "domains": {str: {_KIND: _TEMPLATES}},
}


@cache
def load_vocabulary(path: Path = DEFAULT_VOCABULARY_PATH) -> Vocabulary:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        _check(raw, _SHAPE, "")
        return _checked(_build(raw))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path.name}: cannot be read: {exc}") from exc
    except VocabularyError as exc:
        raise VocabularyError(f"{path.name}: {exc}") from None


def _fail(key: str, expected: str, got: Any) -> VocabularyError:
    return VocabularyError(f"{key or 'top level'}: expected {expected}, got {got!r:.60}")


def _check(value: Any, shape: Any, key: str) -> None:
    if shape == _TEMPLATES:
        nested = isinstance(value, list) and all(isinstance(item, list) for item in value)
        shape = [[str]] if nested else [str]
    if shape is str or shape == _KIND:
        if not isinstance(value, str) or not value.strip():
            raise _fail(key, "a non-empty string", value)
        if shape == _KIND and value not in KINDS:
            raise _fail(key, f"a kind from {sorted(KINDS)}", value)
    elif isinstance(shape, list):
        if not isinstance(value, list) or not value:
            raise _fail(key, "a non-empty list", value)
        for i, item in enumerate(value):
            _check(item, shape[0], f"{key}[{i}]")
    elif not isinstance(value, dict) or not value or not all(isinstance(k, str) for k in value):
        raise _fail(key, "a non-empty mapping", value)
    elif len(shape) == 1:
        [(names, sub)] = shape.items()
        for name, item in value.items():
            _check(name, names, f"{key}.{name}")
            _check(item, sub, f"{key}.{name}")
    else:
        for name, sub in shape.items():
            _check(value.get(name), sub, f"{key}.{name}" if key else name)


def _build(raw: dict[str, Any]) -> Vocabulary:
    fields = ("skills", "tasks", "terms", "roles")
    return Vocabulary(
        subjects=tuple(Subject(s["name"], *(tuple(s[f]) for f in fields)) for s in raw["subjects"]),
        slots={name: tuple(options) for name, options in raw["slots"].items()},
        aliases=tuple((domain, frozenset(words)) for domain, words in raw["aliases"].items()),
        kinds={word: kind for kind, words in raw["kinds"].items() for word in words},
        refinements=raw["refinements"],
        domains={
            domain: {
                kind: tuple(map(tuple, t)) if isinstance(t[0], list) else (tuple(t),)
                for kind, t in kinds.items()
            }
            for domain, kinds in raw["domains"].items()
        },
    )


def _checked(vocabulary: Vocabulary) -> Vocabulary:
    """What the shape alone does not catch: unknown domains and slots."""
    for domain, _words in vocabulary.aliases:
        if domain not in vocabulary.domains:
            raise _fail(f"aliases.{domain}", "a domain named under `domains`", domain)
    generic = vocabulary.domains.get("generic", {})
    if "title" not in generic or "description" not in generic:
        raise _fail("domains.generic", "title and description templates", sorted(generic))
    known = _SUBJECT_SLOTS | set(vocabulary.slots)
    for domain, table in vocabulary.domains.items():
        for kind, template in (
            (k, t) for k, parts in table.items() for part in parts for t in part
        ):
            unknown = [f"{{{n}}}" for n in _SLOT.findall(template) if n.lower() not in known]
            if unknown or re.search(r"[{}]", _SLOT.sub("", template)):
                problem = f"unknown slot {unknown[0]}" if unknown else "a stray brace"
                raise VocabularyError(
                    f"domains.{domain}.{kind}: {problem} in {template!r}; slots are {sorted(known)}"
                )
    return vocabulary


class _Slots(dict[str, str]):
    """One value's slot fillers: subject fields up front, the rest drawn when first used."""

    def __init__(self, vocabulary: Vocabulary, rng: Random) -> None:
        subject = rng.choice(vocabulary.subjects)
        skills = rng.sample(subject.skills, min(2, len(subject.skills)))
        skill, skill2 = skills[0], skills[-1]
        role = rng.choice(subject.roles)
        super().__init__(subject=subject.name, skill=skill, skill2=skill2, role=role)
        self.update(task=rng.choice(subject.tasks), term=rng.choice(subject.terms))
        self._vocabulary, self._rng = vocabulary, rng

    def __missing__(self, key: str) -> str:
        value = self[key] = self._rng.choice(self._vocabulary.slots[key])
        return value


def _cased(value: str, title: bool) -> str:
    if title:
        words = (
            w if w in _SMALL else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
            for w in value.split(" ")
        )
        return " ".join(words)
    return value[:1].upper() + value[1:]


def _fill(template: str, slots: _Slots, title: bool) -> str:
    """`{Skill}` is `{skill}` in title case (titles) or with a capital first letter (text)."""
    text = _SLOT.sub(
        lambda m: slots[m[1]] if m[1].islower() else _cased(slots[m[1].lower()], title), template
    )
    return text if title else text[:1].upper() + text[1:]


def _render(parts: Parts, slots: _Slots, rng: Random, title: bool = False) -> str:
    return _fill(" ".join(rng.choice(part) for part in parts), slots, title)


def _words(name: str | None) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name or "")
    return [w for w in re.split(r"[^a-z0-9]+", snake.lower()) if w]


def _domain(vocabulary: Vocabulary, field: list[str], owner: list[str]) -> str:
    for group in (field[:-1], owner):
        for domain, words in vocabulary.aliases:
            if words.intersection(group):
                return domain
    return "generic"


def _kind(vocabulary: Vocabulary, field: list[str], owner: list[str]) -> str:
    base = vocabulary.kinds.get(field[-1] if field else "", "description")
    narrower = vocabulary.refinements.get(base, {})
    for word in reversed(field[:-1]):
        if word in narrower:
            return narrower[word]
    if base == "message":  # an `Answer`'s text is an answer, a `Feedback`'s message feedback
        for word in reversed(owner):
            kind = vocabulary.kinds.get(word)
            if kind and kind not in ("message", "description"):
                return kind
    return base


def _lookup(vocabulary: Vocabulary, domain: str, kind: str, rng: Random) -> Parts:
    home = _HOME.get(kind)  # before the generic domain, the last resort
    for name in dict.fromkeys([d for d in (domain, home) if d and d != "generic"] + ["generic"]):
        templates = vocabulary.domains[name]
        for step in _CHAIN.get(kind, (kind,)):
            present = [k for k in ((step,) if isinstance(step, str) else step) if k in templates]
            if present:
                return templates[present[0] if len(present) == 1 else rng.choice(present)]
    return vocabulary.domains["generic"]["description"]


def _ordered(candidates: list[str]) -> list[str]:
    return sorted(dict.fromkeys(c for c in candidates if c), key=len, reverse=True)


def _titles(vocabulary: Vocabulary, domain: str, slots: _Slots, rng: Random) -> list[str]:
    parts = _lookup(vocabulary, domain, "title", rng)
    shortest = min((_fill(t, slots, True) for t in parts[0]), key=len)
    return [_render(parts, slots, rng, title=True), shortest]


def title(draw: Draw, field: str, owner: str | None) -> list[str]:
    """A name or title for the thing `field` belongs to, then a shorter one."""
    vocabulary, rng = load_vocabulary(), draw.rng
    domain = _domain(vocabulary, _words(field), _words(owner))
    return _ordered(_titles(vocabulary, domain, _Slots(vocabulary, rng), rng))


def text(draw: Draw, field: str, owner: str | None) -> list[str]:
    """A paragraph, its first sentence and a short phrase: the caller keeps the first that fits."""
    vocabulary, rng = load_vocabulary(), draw.rng
    words, owner_words = _words(field), _words(owner)
    kind = _kind(vocabulary, words, owner_words)
    domain = _domain(vocabulary, words, owner_words)
    slots = _Slots(vocabulary, rng)
    paragraph = _render(_lookup(vocabulary, domain, kind, rng), slots, rng)
    sentence = _SENTENCE_END.split(paragraph, maxsplit=1)[0]
    return _ordered([paragraph, sentence, _titles(vocabulary, domain, slots, rng)[1]])
