"""Field-name heuristics: what a value called `email`, `created_at` or `course_id` should look like.

These only *suggest*. The generator checks every suggestion against the field's schema and falls
back to plain schema-driven generation when it does not validate, so a rule here can never make
a body invalid; at worst it is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from mock_server.synthesis import prose
from mock_server.synthesis.draws import Draw
from mock_server.synthesis.formats import calendar_date, date_time, uuid4

Producer = Callable[[Draw, str, "str | None"], list[str]]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Head nouns that make a `name` a person's name rather than a title.
_PEOPLE = _words(
    "user users learner learners student students instructor instructors author member members "
    "person people profile owner teacher contact admin creator staff"
)
# Words schema names end with that say nothing about what the object is.
_GENERIC = _words(
    "response request detail details serializer list create update patched info public item "
    "items data summary view result results"
)
_COURSE_SUBJECTS = ("CS", "MATH", "DS", "AI", "BIO", "ECON", "HIST", "PHYS", "ENG", "BUS")
_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "ja", "ar", "zh", "hi")
_STATUSES = ("active", "pending", "completed", "archived")
_TONES = ("friendly", "professional", "encouraging", "neutral", "enthusiastic")
_STYLES = ("concise", "detailed", "step-by-step", "socratic", "conversational")
_MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "gemini-1.5-pro", "llama-3.1-70b")
_PROVIDERS = ("openai", "anthropic", "google", "azure", "aws")
_SENTIMENTS = ("positive", "neutral", "negative", "mixed")
_CATEGORIES = ("coursework", "career", "study skills", "wellbeing", "technical", "general")
_MODES = ("default", "guided", "socratic", "exam-prep")
_EXTENSIONS = ("pdf", "docx", "pptx", "md", "csv", "py")
_FILE_EXTENSIONS = {"video": "mp4", "audio": "mp3", "image": "png", "voice": "mp3", "csv": "csv"}
# Untyped fields under these names hold structured data (`data: {nullable: true}`): `{}`.
_STRUCTURED = _words(
    "data metadata meta config configuration settings extra payload options headers "
    "extra_headers context extra_data periodic_config available_context"
)
# ... and under these, a list.
_LISTED = _words("files sources document_sources attachments items entries")


@dataclass(frozen=True, slots=True)
class _Rule:
    produce: Producer
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    prose: bool = False  # free text that may be cut to fit a maxLength


def _company_slug(draw: Draw) -> str:
    word = re.sub(r"[^a-z0-9]", "", draw.fake().company().split()[0].lower())
    return word or "acme"


def _tenant(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    # Most deployments have a `main` tenant; others are named after the customer.
    return ["main" if draw.rng.random() < 0.3 else _company_slug(draw)]


def _course_id(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    org = _company_slug(draw).capitalize()
    code = f"{draw.rng.choice(_COURSE_SUBJECTS)}{draw.rng.randint(100, 499)}"
    run = f"{draw.rng.randint(2024, 2026)}_T{draw.rng.randint(1, 3)}"
    return [f"course-v1:{org}+{code}+{run}"]


def _head_noun(words: str) -> str | None:
    """`UserDetailResponse` -> `user`, `author_name` -> `author`: what a name belongs to."""
    found = [w for w in normalize(words).split("_") if w and w not in _GENERIC]
    return found[-1] if found else None


def _person_or_title(draw: Draw, name: str, owner: str | None) -> list[str]:
    if name in ("name", "display_name"):
        head = _head_noun(owner) if owner else "user"
    else:
        head = "user" if name in ("full_name", "fullname") else _head_noun(name[: -len("_name")])
    if head in _PEOPLE:
        return [draw.fake().name()]
    return prose.title(draw, name, owner)


def _image(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    fake = draw.fake()
    extension = draw.rng.choice(("png", "jpg", "webp"))
    return [f"https://cdn.{fake.domain_name()}/images/{fake.slug()}.{extension}"]


def _moment_first(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    return [date_time(draw), calendar_date(draw)]


def _date_first(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    return [calendar_date(draw), date_time(draw)]


def _slug(draw: Draw, name: str, owner: str | None) -> list[str]:
    """A title of the platform's vocabulary, in URL form: `intro-to-sql-joins`."""
    return [slugify(prose.title(draw, "title", owner)[0]) or "item"]


def slugify(text: str) -> str:
    """Django's `slugify` for ASCII, cut to its 50 characters: `Ask Echo: SQL` -> `ask-echo-sql`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50].rstrip("-")


def _file_url(draw: Draw, name: str, owner: str | None) -> list[str]:
    """`video_file` -> `https://files.example.com/media/intro-to-sql-joins.mp4`."""
    extension = _FILE_EXTENSIONS.get(name.split("_")[0], "pdf")
    domain = draw.fake().domain_name()
    return [f"https://files.{domain}/media/{_slug(draw, name, owner)[0]}.{extension}"]


def _scim_schema(_draw: Draw, _name: str, owner: str | None) -> list[str]:
    """The URN a SCIM resource names its schema by (RFC 7643), from the object's own name."""
    kind = "Group" if owner and "group" in owner.lower() else "User"
    return [f"urn:ietf:params:scim:schemas:core:2.0:{kind}"]


def _html(draw: Draw, name: str, owner: str | None) -> list[str]:
    """An e-mail body as a notification template holds it."""
    return [f"<p>{text}</p>" for text in prose.text(draw, "message", owner)]


def structured(name: str) -> dict[str, object] | list[object] | None:
    """What an untyped field of this name holds when empty (`{}` or `[]`), None for text."""
    field = normalize(name)
    if field in _LISTED:
        return []
    return {} if field in _STRUCTURED else None


def _credentials(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    return [f"Bearer {draw.fake().sha1()}"]


def _version(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    rng = draw.rng
    return [f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 20)}"]


def _faker(method: str, **kwargs: object) -> Producer:
    def produce(draw: Draw, _name: str, _owner: str | None) -> list[str]:
        return [str(getattr(draw.fake(), method)(**kwargs))]

    return produce


def _pick(options: tuple[str, ...]) -> Producer:
    return lambda draw, _name, _owner: [draw.rng.choice(options)]


def _rule(produce: Producer, names: str, suffixes: str = "", prose: bool = False) -> _Rule:
    """A rule from space-separated exact names and name suffixes (kept terse: it is a table)."""
    return _Rule(produce, frozenset(names.split()), tuple(suffixes.split()), prose=prose)


def _uuid(draw: Draw, _name: str, _owner: str | None) -> list[str]:
    return [uuid4(draw)]


# Exact names are looked up across all rules before any suffix, so `course_id` beats `_id`.
_STRING_RULES: tuple[_Rule, ...] = (
    _rule(_faker("email"), "email email_address mail", "_email"),
    _rule(
        _faker("user_name"),
        "username user_name user_id login handle user owner created_by author",
        "_username",
    ),
    _rule(_faker("first_name"), "first_name given_name firstname"),
    _rule(_faker("last_name"), "last_name family_name surname lastname"),
    _rule(_person_or_title, "name full_name display_name fullname", "_name"),
    _rule(prose.title, "title headline subject heading caption label", "_title _subject", True),
    _rule(
        prose.text,
        "description summary bio about details notes comment message content body text prompt "
        "instructions answer question feedback reason overview disclaimer messages detail",
        "_description _message _text _summary _prompt _bio _response _instructions _feedback _body",
        True,
    ),
    _rule(
        _image,
        "image avatar icon logo thumbnail photo picture banner cover profile_image",
        "_image _avatar _icon _logo _thumbnail _photo _picture _image_url _banner",
    ),
    _rule(_faker("url"), "url website link homepage href uri", "_url _uri _link _website"),
    _rule(_slug, "slug", "_slug"),
    _rule(_faker("slug"), "key"),
    _rule(_course_id, "course_id course_key course_run_id"),
    _rule(
        _tenant, "platform_key org platform platform_org tenant organization_key source_platform"
    ),
    _rule(_uuid, "unique_id uuid guid id", "_uuid _unique_id _guid _id"),
    _rule(_faker("phone_number"), "phone phone_number mobile telephone", "_phone"),
    _rule(_faker("street_address"), "address street street_address"),
    _rule(_faker("city"), "city locality town"),
    _rule(_faker("state"), "state region province"),
    _rule(_faker("country"), "country country_name"),
    _rule(_faker("country_code"), "country_code"),
    _rule(_faker("postcode"), "postal_code zip zipcode zip_code postcode"),
    _rule(_pick(_LANGUAGES), "language lang language_code", "_language"),
    _rule(_faker("locale"), "locale"),
    _rule(_faker("timezone"), "timezone time_zone tz", "_timezone"),
    _rule(
        _moment_first,
        "created updated modified timestamp last_login date_joined datetime start_time end_time "
        "last_active last_seen last_activity",
        "_at _on _time _timestamp _datetime",
    ),
    _rule(_date_first, "date birthday birth_date dob", "_date"),
    _rule(_faker("hex_color"), "color colour", "_color _colour"),
    _rule(_faker("ipv4"), "ip ip_address", "_ip"),
    _rule(_faker("currency_code"), "currency currency_code"),
    _rule(_faker("sha1"), "token api_key secret hash checksum", "_token _secret _hash"),
    _rule(_credentials, "credentials authorization auth_header"),
    _rule(_version, "version", "_version"),
    _rule(_faker("domain_name"), "domain hostname host", "_domain"),
    _rule(
        _faker("company"),
        "company organization company_name organization_name institution school",
    ),
    _rule(_faker("job"), "job_title profession occupation"),
    _rule(_faker("file_name"), "file_name filename"),
    _rule(_faker("mime_type"), "mime_type content_type mimetype"),
    _rule(_faker("password", length=14), "password"),
    _rule(_pick(_STATUSES), "status state_name", "_status"),
    _rule(_pick(_TONES), "tone voice_tone", "_tone"),
    _rule(_pick(_STYLES), "style response_style writing_style", "_style"),
    _rule(_file_url, "file attachment", "_file"),
    _rule(_pick(_MODELS), "model llm_model model_name", "_model"),
    _rule(_pick(_PROVIDERS), "provider", "_provider"),
    _rule(_pick(_SENTIMENTS), "sentiment"),
    _rule(_pick(_CATEGORIES), "category tag", "_category _tag"),
    _rule(_pick(_MODES), "mode flow", "_mode"),
    _rule(_pick(_EXTENSIONS), "file_extension extension file_type"),
    _rule(_faker("email"), "email_from_address from_email reply_to", "_email_address"),
    _rule(_html, "html html_template", "_html _html_template"),
    _rule(_scim_schema, "schema"),
)

# Preferred numeric ranges: (exact names, suffixes, prefixes, range). Schema bounds still win.
_NUMBER_RULES: tuple[
    tuple[frozenset[str], tuple[str, ...], tuple[str, ...], tuple[float, float]], ...
] = tuple(
    (frozenset(names.split()), tuple(suffixes.split()), tuple(prefixes.split()), span)
    for names, suffixes, prefixes, span in (
        ("id pk", "_id _pk", "", (1, 500)),
        ("count total views likes", "_count _total", "num_ number_of_ total_", (0, 250)),
        (
            "price amount cost fee balance revenue",
            "_price _amount _cost _fee _revenue",
            "",
            (5, 500),
        ),
        ("rating stars", "_rating", "", (1, 5)),
        (
            "score percent percentage progress completion grade",
            "_score _percent _percentage _progress _rate",
            "",
            (0, 100),
        ),
        ("age", "", "", (18, 70)),
        ("year", "_year", "", (2015, 2026)),
        ("duration seconds timeout", "_seconds _duration", "", (30, 3600)),
        ("minutes", "_minutes", "", (1, 120)),
        ("order position rank index priority sort_order", "_order", "", (1, 20)),
        ("page", "_page", "", (1, 5)),
        ("page_size limit per_page size", "", "", (10, 50)),
        ("latitude lat", "", "", (-90, 90)),
        ("longitude lng lon", "", "", (-180, 180)),
    )
)


@lru_cache(maxsize=4096)
def normalize(name: str) -> str:
    """`displayName` / `Display-Name` -> `display_name`."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")


def singular(name: str) -> str:
    """The name an array's items get: `emails` -> `email`, `categories` -> `category`."""
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name


@lru_cache(maxsize=4096)
def _string_rule(field: str) -> _Rule | None:
    for rule in _STRING_RULES:
        if field in rule.names:
            return rule
    for rule in _STRING_RULES:
        if rule.suffixes and field.endswith(rule.suffixes):
            return rule
    return None


def string_candidates(name: str, draw: Draw, owner: str | None = None) -> tuple[list[str], bool]:
    """Suggestions for a string field, and whether they are prose that may be shortened."""
    field = normalize(name)
    rule = _string_rule(field)
    if rule is None:
        return [], False
    return rule.produce(draw, field, owner), rule.prose


@lru_cache(maxsize=4096)
def numeric_range(name: str) -> tuple[float, float] | None:
    field = normalize(name)
    for names, _suffixes, _prefixes, span in _NUMBER_RULES:
        if field in names:
            return span
    for _names, suffixes, prefixes, span in _NUMBER_RULES:
        if (suffixes and field.endswith(suffixes)) or (prefixes and field.startswith(prefixes)):
            return span
    return None
