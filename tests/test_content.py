"""The content a counsellor or blogger edits: faithful to the source material, and checked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from skill.content import ContentError, compile_catalog, default_catalog, load_catalog, load_compiled_catalog
from skill.engine.reply import Line
from skill.speech import Speech, compile_templates
from skill.validate import ROOT, run

CAT = default_catalog()
SEED_QUESTIONS = [
    "How can I communicate better with you?",
    "What do you think I need to work on: my communication skills or my listening skills?",
    "Am I romantic enough, or do you wish I would do more in this area?",
    "What is the best thing about our marriage?",
    "What do we do really well together?",
    "How can we be a better team?",
    "How can I make you more of a priority?",
    "What's something I do that makes you feel appreciated?",
]


def test_the_four_exercises_in_order() -> None:
    assert list(CAT.exercises) == ["asking", "conflict", "deep_questions", "love_notes"]


def test_deep_questions_hold_the_seed_eight_and_forty_more() -> None:
    questions = [i.fields["question"] for i in CAT.banks["deep_questions"]]
    for q in SEED_QUESTIONS:
        assert q in questions
    assert len(questions) >= 48 and len(set(questions)) == len(questions)


def test_note_ideas_hold_the_seed_ideas_and_fifteen_more() -> None:
    notes = CAT.banks["love_notes"]
    ideas = " ".join(n.fields["idea"] for n in notes).lower()
    assert "hide little notes around the house" in ideas and "lunch" in ideas
    assert len(notes) >= 17
    assert all(n.fields["write"] for n in notes), "every idea says what to write"


def test_asking_uses_the_seed_answer() -> None:
    text = " ".join(s for step in CAT.exercises["asking"].steps for s in step.say)
    assert "Absolutely! Thank you for being honest about what you need!" in text


def test_conflict_covers_past_health_preferences_and_plan() -> None:
    text = " ".join(s for step in CAT.exercises["conflict"].steps for s in step.say).lower()
    for idea in ("past", "healthy", "no judgment", "calm down", "right away", "plan"):
        assert idea in text


def test_prompts_heard_most_often_have_several_phrasings() -> None:
    for ex in CAT.exercises.values():
        for step in ex.steps:
            if step.kind in ("each", "bank", "choose"):
                assert len(step.say) >= 2, (ex.id, step.kind)
    for key in ("step_hint_talk", "step_hint_bank", "goodbye", "didnt_catch", "welcome_back", "again"):
        assert len(CAT.phrase(key)) >= 2, key


def test_the_shipped_content_and_models_validate() -> None:
    assert run() == []


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_validate_names_an_unknown_placeholder(content: Path) -> None:
    edit(content / "exercises" / "1_asking.toml", "{partner}, think of", "{partnr}, think of")
    assert any("partnr" in e for e in run(content))


def test_validate_catches_a_break_over_ten_seconds(content: Path) -> None:
    edit(content / "templates" / "speech.ssml.j2", '<break time="600ms"/>', '<break time="12s"/>')
    assert any("over 10.0 s" in e for e in run(content))


def test_validate_catches_broken_ssml(content: Path) -> None:
    edit(content / "templates" / "speech.ssml.j2", '<break time="400ms"/>{% endmacro %}', "<break>{% endmacro %}")
    assert any("not well-formed" in e for e in run(content))


def test_validate_catches_a_missing_macro(content: Path) -> None:
    edit(content / "templates" / "speech.ssml.j2", "{% macro paused(title)", "{% macro pausd(title)")
    assert any("'paused'" in e for e in run(content))


def test_validate_catches_speech_over_the_limit(content: Path) -> None:
    edit(content / "phrases.toml", 'at_start = "', 'at_start = "' + "so long " * 1100)
    assert any("over Alexa's 8000" in e for e in run(content))


def test_validate_catches_a_missing_phrase(content: Path) -> None:
    edit(content / "phrases.toml", "home = ", "homme = ")
    assert any("no phrase 'home'" in e for e in run(content))


def test_content_text_is_escaped_for_ssml(content: Path) -> None:
    edit(
        content / "banks" / "deep_questions.toml",
        "How can we be a better team?",
        "Tom & Jerry <3: how can we be a better team?",
    )
    assert run(content) == []


def test_duplicate_bank_ids_are_refused(content: Path) -> None:
    edit(content / "banks" / "love_notes.toml", 'id = "lunch-note"', 'id = "hide-around-house"')
    with pytest.raises(ContentError, match="duplicate ids hide-around-house"):
        load_catalog(content)


def test_an_exercise_must_end_with_a_close_step(content: Path) -> None:
    path = content / "exercises" / "4_love_notes.toml"
    path.write_text(path.read_text().replace('kind = "close"', 'kind = "talk"'))
    with pytest.raises(ContentError, match="close step"):
        load_catalog(content)


def test_a_new_exercise_is_a_content_edit(content: Path, tmp_path: Path) -> None:
    (content / "exercises" / "5_check_in.toml").write_text(
        'id = "check_in"\nname = "check in"\ntitle = "Weekly check-in"\nsummary = "you check in"\n'
        '[[steps]]\nkind = "each"\nsay = ["{partner}, how are you, really?", "{partner}, how was your week?"]\n'
        '[[steps]]\nkind = "close"\nsay = "Same time next week."\n'
    )
    cat = load_catalog(content)
    assert "check_in" in cat.exercises
    # The model's EXERCISE slot must learn it too, and validate says so.
    assert any("EXERCISE ids" in e for e in run(content))


def age(path: Path, seconds: float) -> None:
    """Moves a file's modification time `seconds` into the past (negative: the future)."""
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_precompiled_content_is_used_only_while_no_source_is_newer(content: Path) -> None:
    """The Lambda build precompiles templates and catalogue for cold starts; an edit made after that
    must still be heard, never shadowed by the stale compilation."""
    phrases, template = content / "phrases.toml", content / "templates" / "speech.ssml.j2"
    catalog = load_catalog(content)
    compile_templates(catalog)
    compile_catalog(catalog)
    edit(phrases, 'partner_one = "partner one"', 'partner_one = "partner uno"')
    edit(template, '{{ phrase("choice_not_now") }}', "Edited, not now.")
    for source in (phrases, template):
        age(source, 60)  # the edits, back-dated to before the compilation: the compiled copies win

    def heard() -> tuple[str, str]:
        catalog = load_compiled_catalog(content)
        assert catalog.root == content
        return catalog.phrase("partner_one")[0], Speech(catalog).render([Line("choice_not_now")])

    old_name, old_speech = heard()
    assert old_name == "partner one" and "Edited" not in old_speech
    for source in (phrases, template):
        age(source, -120)  # now newer than the compilation, as a real edit is
    new_name, new_speech = heard()
    assert new_name == "partner uno" and "Edited, not now." in new_speech
