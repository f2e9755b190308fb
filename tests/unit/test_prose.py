"""Synthesized titles and free text: fit for their resource, deterministic, vocabulary only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mock_server.synthesis import heuristics, prose
from mock_server.synthesis.draws import Draw, derive_seed, new_faker

FAKER = new_faker()
MENTORISH = re.compile(r"\b(Tutor|Coach|Mentor|Guide|Assistant|Helper|Partner)\b|^Ask ")
# (producer, field, owner): the fields the real document has, on the objects that hold them.
CASES = [
    (prose.title, "name", "Mentor"),
    (prose.title, "name", "PaginatedCourseList"),
    (prose.title, "name", "Program"),
    (prose.title, "name", "Pathway"),
    (prose.title, "name", "SkillDetail"),
    (prose.title, "name", "Credential"),
    (prose.title, "title", "Prompt"),
    (prose.title, "title", "ChatHistory"),
    (prose.title, "document_name", "RetrieverDocumentEmbedding"),
    (prose.title, "title", "Disclaimer"),
    (prose.title, "title", "Notification"),
    (prose.title, "name", "Project"),
    (prose.title, "llm_name", "Conversations"),
    (prose.title, "name", "Weird"),
    (prose.text, "description", "Course"),
    (prose.text, "description", "Mentor"),
    (prose.text, "system_prompt", "MentorSettings"),
    (prose.text, "proactive_prompt", "Mentor"),
    (prose.text, "safety_system_prompt", "Mentor"),
    (prose.text, "message", "ChatMessage"),
    (prose.text, "first_user_message", "ConversationListItem"),
    (prose.text, "full_conversation_text", "ConversationRating"),
    (prose.text, "prompt", "UserPrompt"),
    (prose.text, "content", "Disclaimer"),
    (prose.text, "body", "Notification"),
    (prose.text, "content", "CourseReviewRequest"),
    (prose.text, "bio", "UserProfile"),
    (prose.text, "description", "Weird"),
    (prose.text, "message", "BaseResponse"),
]


def draw(*parts: str) -> Draw:
    return Draw(derive_seed(*parts), FAKER)


def values(
    producer: heuristics.Producer, field: str, owner: str, count: int = 12
) -> list[list[str]]:
    return [producer(draw(str(i), field, owner), field, owner) for i in range(count)]


def firsts(producer: heuristics.Producer, field: str, owner: str, count: int = 12) -> list[str]:
    return [candidates[0] for candidates in values(producer, field, owner, count)]


def tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


VOCABULARY_WORDS = tokens(prose.DEFAULT_VOCABULARY_PATH.read_text(encoding="utf-8"))


def from_vocabulary(text: str) -> bool:
    """Every word is in the vocabulary file (templates may pluralise a slot: `{role}s`)."""
    return all(w in VOCABULARY_WORDS or w[:-1] in VOCABULARY_WORDS for w in tokens(text))


def test_same_seed_gives_the_same_text_and_other_seeds_other_text() -> None:
    for producer, field, owner in CASES:
        assert values(producer, field, owner) == values(producer, field, owner)
    courses = firsts(prose.text, "description", "Course")
    assert len(set(courses)) == len(courses)


def test_course_and_mentor_names_read_like_their_resource() -> None:
    courses = firsts(prose.title, "name", "PaginatedCourseList")
    mentors = firsts(prose.title, "name", "Mentor", count=8)
    # A catalogue page of 12 courses, or a list of 8 mentors, shows no repeats.
    assert len(set(courses)) == 12 and len(set(mentors)) == 8
    assert all(MENTORISH.search(name) for name in mentors), mentors
    assert not any(MENTORISH.search(name) for name in courses), courses
    subjects = prose.load_vocabulary().subjects
    known = {w.lower() for s in subjects for w in (s.name, *s.skills)}
    assert all(any(k in name.lower() for k in known) for name in courses), courses


def test_each_field_reads_like_its_kind_of_text() -> None:
    assert all(p.startswith("You are ") for p in firsts(prose.text, "system_prompt", "Mentor"))
    transcripts = firsts(prose.text, "full_conversation_text", "ConversationRating")
    assert all(t.startswith("Learner: ") and "Mentor: " in t for t in transcripts)
    questions = firsts(prose.text, "first_user_message", "ConversationListItem")
    assert all("?" in q for q in questions), questions
    disclaimers = firsts(prose.text, "content", "Disclaimer")
    assert all(re.search(r"\bAI\b|artificial intelligence", d) for d in disclaimers)
    assert all(m[:1].isupper() and m[-1] in ".?!" for m in firsts(prose.text, "message", "Chat"))
    notices = firsts(prose.title, "title", "Disclaimer")
    assert all(re.search(r"Notice|Disclaimer|Reminder|About", t) for t in notices), notices


def test_every_word_comes_from_the_vocabulary_file() -> None:
    for producer, field, owner in CASES:
        for candidates in values(producer, field, owner):
            for candidate in candidates:
                assert from_vocabulary(candidate), (field, owner, candidate)


def test_the_field_rules_use_this_text_and_keep_people_as_people() -> None:
    # Prose may be cut to a maxLength; a name is not, so its shorter candidate must fit whole.
    for field, owner, cut in (("description", "Course", True), ("name", "Mentor", False)):
        suggested, is_prose = heuristics.string_candidates(field, draw(field), owner)
        assert is_prose is cut and suggested and all(from_vocabulary(s) for s in suggested)
    people = [heuristics.string_candidates("name", draw(str(i)), "UserDetail")[0] for i in range(6)]
    assert all(len(p) == 1 and not from_vocabulary(p[0]) for p in people), people


def test_short_whole_candidates_exist_for_a_max_length() -> None:
    for producer, field, owner in CASES:
        for candidates in values(producer, field, owner):
            assert candidates == sorted(candidates, key=len, reverse=True)
            assert len(candidates[-1]) <= 48, (field, owner, candidates)
    for candidates in values(prose.text, "description", "Course"):
        paragraph, sentence, phrase = candidates
        assert paragraph.startswith(sentence) and sentence.endswith(".") and len(phrase) <= 48


def write(folder: Path, change: dict[str, object]) -> Path:
    data = yaml.safe_load(prose.DEFAULT_VOCABULARY_PATH.read_text(encoding="utf-8"))
    data.update(change)
    folder.mkdir()
    path = folder / "vocabulary.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_bad_vocabulary_file_names_the_key(tmp_path: Path) -> None:
    base = yaml.safe_load(prose.DEFAULT_VOCABULARY_PATH.read_text(encoding="utf-8"))
    course = base["domains"]["course"]
    bad: list[tuple[dict[str, object], str]] = [
        ({"slots": None}, r"vocabulary\.yaml: slots: expected a non-empty mapping"),
        (
            {"domains": {**base["domains"], "course": {**course, "title": ["{level} {Topic}"]}}},
            r"domains\.course\.title: unknown slot \{Topic\} in '\{level\} \{Topic\}'",
        ),
        (
            {"domains": {**base["domains"], "course": {**course, "title": ["{level Course"]}}},
            r"domains\.course\.title: a stray brace in '\{level Course'",
        ),
        (
            {"domains": {**base["domains"], "course": {**course, "blurb": ["Hi"]}}},
            r"domains\.course\.blurb: expected a kind from",
        ),
        (
            {"subjects": [{"name": "statistics", "skills": "probability"}]},
            r"subjects\[0\]\.skills: expected a non-empty list, got 'probability'",
        ),
        (
            {"aliases": {"lecture": ["lecture"]}},
            r"aliases\.lecture: expected a domain named under `domains`",
        ),
        (
            {"kinds": {"message": ["message", 7]}},
            r"kinds\.message\[1\]: expected a non-empty string",
        ),
    ]
    for i, (change, message) in enumerate(bad):
        with pytest.raises(prose.VocabularyError, match=message):
            prose.load_vocabulary(write(tmp_path / str(i), change))
    broken = tmp_path / "broken.yaml"
    broken.write_text("slots: [unclosed", encoding="utf-8")
    with pytest.raises(prose.VocabularyError, match=r"broken\.yaml: cannot be read"):
        prose.load_vocabulary(broken)


def test_a_bounded_description_is_a_whole_candidate_not_a_paragraph_cut_short() -> None:
    from mock_server.synthesis import Synthesizer

    document = {
        "components": {
            "schemas": {
                "Mentor": {
                    "type": "object",
                    "properties": {"description": {"type": "string", "maxLength": 60}},
                }
            }
        }
    }
    synthesizer = Synthesizer(document)
    for index in range(20):
        shown = synthesizer.value({"$ref": "#/components/schemas/Mentor"}, key=f"mentor-{index}")[
            "description"
        ]
        assert len(shown) <= 60
        assert from_vocabulary(shown), shown
        assert shown[-1] in ".!?" or " " not in shown[-3:], shown  # ends a sentence or a phrase
