"""The bank, index and search commands, through `mockint.cli.main.main` (errors as one red line, exit 1)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mockint.cli.main import main
from mockint.config import get_settings
from mockint.doors.bank_files import dump_questions, load_bank
from test_store import QUESTIONS, _entry, write_corpus

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "interviewskill-deep-learning.txt"


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the real entry point in-process (the embedding model stays loaded between tests)."""
    argv = sys.argv
    sys.argv = ["mockint", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockint.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    path = write_corpus(tmp_path / "corpus", [_entry(*q) for q in QUESTIONS])
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(path))
    get_settings.cache_clear()
    return path


@pytest.fixture
def broken(tmp_path) -> Path:
    entries = [_entry(*q) for q in QUESTIONS]
    entries[0]["difficulty"] = "brutal"
    del entries[2]["answer"]
    return write_corpus(tmp_path / "broken", entries)


def test_validate_lists_every_problem_and_fails(capsys, broken):
    code, out, _ = run(capsys, "bank", "validate", "--corpus", str(broken), "--no-near-duplicates")
    assert code == 1
    assert "broken/deep-learning.yaml" in out and "question what-is-dropout, field 'difficulty'" in out
    assert "broken/statistics.yaml" in out and "question p-value-meaning, field 'answer'" in out
    assert "2 problems" in out


def test_validate_says_what_to_do_about_an_encoding_and_counts_in_plain_words(capsys, tmp_path):
    # "cannot be read as UTF-8 text ('utf-8' codec can't decode ...)" gave no fix, and "1 valid questions".
    one = write_corpus(tmp_path / "bank", [_entry(*QUESTIONS[0])])
    (one / "latin1.yaml").write_bytes("questions:\n  - id: caf\xe9\n".encode("latin-1"))
    code, out, _ = run(capsys, "bank", "validate", "--corpus", str(one), "--no-near-duplicates")
    assert code == 1
    assert "latin1.yaml: is not UTF-8 text (byte 0xe9 at position 22): save it as UTF-8" in out and "iconv" in out
    assert "1 valid question in 2 files, 1 problem, 1 warning\n" in out  # the warning: no key points


def test_a_bank_one_folder_down_is_named(capsys, tmp_path):
    # A bank copied with its folder said only that the folder "has no bank files".
    write_corpus(tmp_path / "sub" / "deep", [_entry(*QUESTIONS[0])])
    code, _, err = run(capsys, "bank", "validate", "--corpus", str(tmp_path / "sub"), "--no-near-duplicates")
    assert code == 1 and "deep/deep-learning.yaml is in a subfolder: bank files must be directly in it" in err


@pytest.mark.slow
def test_validate_flags_near_duplicates(capsys, corpus):
    entries = [_entry(*q) for q in QUESTIONS]
    entries.append(
        _entry(
            "dropout-explained",
            "deep-learning",
            "easy",
            "conceptual",
            [],
            "Can you explain what dropout is?",
            "During training, dropout randomly switches off units so the network overfits less.",
        )
    )
    write_corpus(corpus, entries)
    code, out, err = run(capsys, "bank", "validate", "--corpus", str(corpus))
    assert code == 1
    assert "Looking for near-duplicates among 7 questions" in err  # said before the slow part, not after
    assert "near-duplicate" in out and "what-is-dropout ~ dropout-explained" in out
    code, out, _ = run(capsys, "bank", "validate", "--corpus", str(corpus), "--threshold", "0.99")
    # --threshold is for question and answer; the question texts alone (0.95) still ask the same thing.
    assert code == 1 and "0 problems, 7 warnings, 1 near-duplicate pair\n" in out  # warnings: no key points
    assert "near-duplicate (question text 0.95 >= 0.92): what-is-dropout ~ dropout-explained" in out


def test_stats_counts_with_totals_and_shares(capsys, corpus):
    code, out, _ = run(capsys, "bank", "stats", "--corpus", str(corpus))
    assert code == 0
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.count("│") >= 3]
    assert ["statistics", "2", "33.3%"] in rows and ["scenario", "1", "16.7%"] in rows
    assert ["medium", "3", "50.0%"] in rows and ["easy", "2", "33.3%"] in rows and ["hard", "1", "16.7%"] in rows
    assert rows.count(["total", "6", "100.0%"]) == 3
    code, out, _ = run(capsys, "bank", "stats", "--corpus", str(corpus), "--ids")
    assert code == 0 and "  ab-test-sample-size  hard · scenario" in out


@pytest.mark.slow
def test_index_then_search(capsys, corpus):
    code, out, _ = run(capsys, "index")
    assert code == 0 and "6 added" in out and "6 embedded" in out
    code, out, _ = run(capsys, "index")
    assert code == 0 and "6 unchanged; 0 embedded" in out
    code, out, _ = run(
        capsys,
        "search",
        "how likely would we see results this surprising by luck alone",
        "--topic",
        "statistics",
        "-k",
        "1",
    )
    assert code == 0 and "p-value-meaning" in out and "ab-test-sample-size" not in out
    code, out, _ = run(capsys, "index", "--rebuild")
    assert code == 0 and "6 embedded; rebuilt" in out


@pytest.mark.slow
def test_search_syncs_on_its_own(capsys, corpus):
    code, out, _ = run(capsys, "search", "image filters", "--tag", "vision", "--difficulty", "easy")
    assert code == 0 and "what-is-a-cnn" in out and "bleu-score" not in out


def test_search_with_a_bad_filter_is_one_line(capsys, corpus):
    code, _, err = run(capsys, "search", "x", "--difficulty", "brutal")
    assert code == 1 and err.startswith("mockint: Unknown difficulty 'brutal'") and err.count("\n") == 1


def test_broken_corpus_is_one_line_and_verbose_shows_the_traceback(broken):
    env = {"MOCKINT_CORPUS_DIR": str(broken)}
    quiet = run_process("search", "dropout", env=env)
    assert quiet.returncode == 1
    assert quiet.stderr.count("\n") == 1 and quiet.stderr.startswith("mockint: The question bank has 2 problems")
    assert "Traceback" not in quiet.stderr
    loud = run_process("--verbose", "search", "dropout", env=env)
    assert loud.returncode != 0 and "Traceback" in loud.stderr and "BankValidationError" in loud.stderr


def test_import_command_dry_run_then_real(capsys, tmp_path):
    if not SEED.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SEED} is missing under CI")
        pytest.skip(f"{SEED} not found: the shared seed pages live in ../shared beside the repository")
    target = tmp_path / "new-corpus"
    fast = "--no-near-duplicates"  # the near-duplicate check has its own test
    code, out, _ = run(capsys, "bank", "import", str(SEED), "--corpus", str(target), "--dry-run", fast)
    assert code == 0 and "would write" in out and "15 added" in out
    assert not target.joinpath("deep-learning.yaml").exists()
    code, out, _ = run(capsys, "bank", "import", str(SEED), "--corpus", str(target), "--topic", "dl", fast)
    assert code == 0 and "15 added" in out and target.joinpath("dl.yaml").exists()


def test_import_of_a_malformed_page_is_one_line(capsys, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Site\n\n1 questions\nDeep Learning\n\nNo difficulty here\n", encoding="utf-8")
    code, _, err = run(capsys, "bank", "import", str(page), "--corpus", str(tmp_path / "c"))
    assert code == 1 and "line 6:" in err and err.count("\n") == 1


@pytest.mark.slow
def test_search_results_read_at_80_columns_whatever_the_id_length(capsys, tmp_path, monkeypatch):
    long_id = "how-do-token-embeddings-combine-with-positional-embeddings-in-a"  # 63 characters, as in the bank
    entries = [_entry(*q) for q in QUESTIONS]
    entries[0]["id"] = long_id
    monkeypatch.setenv("MOCKINT_CORPUS_DIR", str(write_corpus(tmp_path / "long-ids", entries)))
    monkeypatch.setenv("COLUMNS", "80")
    get_settings.cache_clear()
    code, out, _ = run(capsys, "search", entries[0]["question"], "-k", "1")
    assert code == 0 and long_id in out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    # The question's opening words stand on one line, not folded into a column a few characters wide.
    assert any(" ".join(entries[0]["question"].split()[:4]) in line for line in lines)


def test_import_of_a_missing_file_says_so_in_words(capsys, tmp_path):
    missing = tmp_path / "nope.txt"
    code, _, err = run(capsys, "bank", "import", str(missing), "--corpus", str(tmp_path / "c"))
    assert code == 1 and err == f"mockint: No such file: {missing}. Check the path.\n"
    code, _, err = run(capsys, "bank", "import", str(tmp_path), "--corpus", str(tmp_path / "c"))
    assert code == 1 and err == f"mockint: {tmp_path} is a folder. Pass the question page's text file.\n"


def test_a_missing_corpus_folder_gets_the_fix_the_command_accepts(tmp_path):
    missing = tmp_path / "no-such-bank"
    # `grade` has no --corpus: the folder came from MOCKINT_CORPUS_DIR, and that is where it is fixed.
    graded = run_process("grade", "-q", "what-is-dropout", "-a", "x", env={"MOCKINT_CORPUS_DIR": str(missing)})
    assert graded.returncode == 1 and "Traceback" not in graded.stderr
    assert f"The corpus folder {missing} does not exist. Set MOCKINT_CORPUS_DIR to a folder" in graded.stderr
    assert "--corpus" not in graded.stderr
    # `bank stats --corpus DIR`: the path given is the one to check.
    stats = run_process("bank", "stats", "--corpus", str(missing), env={})
    assert stats.returncode == 1 and "Check the path" in stats.stderr and "MOCKINT_CORPUS_DIR" not in stats.stderr


def test_validate_warns_of_missing_key_points_and_an_essay_for_an_answer_without_failing(capsys, corpus):
    # `key_points: []` and a 1,700-word answer passed unremarked; near-duplicates not looked for were "0 pairs".
    entries = [_entry(*q, key_points=["A point."]) for q in QUESTIONS]
    entries[0]["key_points"] = []
    entries[1]["answer"] = " ".join(["word"] * 1700)
    write_corpus(corpus, entries)
    code, out, _ = run(capsys, "bank", "validate", "--corpus", str(corpus), "--no-near-duplicates")
    assert code == 0, out
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, out
    assert f"question {entries[0]['id']}, field 'key_points': no key points, so it is graded against points" in out
    assert f"question {entries[1]['id']}, field 'answer': the answer is 1700 words" in out
    assert out.rstrip().endswith("0 problems, 2 warnings") and "near-duplicate" not in out


def test_import_says_the_questions_lack_key_points_and_how_to_check_that_corpus(capsys, tmp_path):
    page = ROOT / "docs" / "examples" / "question-page.txt"
    bank = tmp_path / "my-bank"
    code, out, _ = run(capsys, "bank", "import", str(page), "--corpus", str(bank), "--no-near-duplicates")
    assert code == 0, out
    assert "2 imported question(s) have no key points yet" in out and "Add `key_points:`" in out
    assert f"then run `mockint bank validate --corpus {bank}`." in out


def test_corpus_option_help_names_the_environment_variable():
    for command in ("import", "validate", "stats"):
        shown = run_process("bank", command, "--help", env={"COLUMNS": "200"}).stdout
        assert "Default: MOCKINT_CORPUS_DIR if set, else the shipped corpus/." in shown, shown


def test_an_empty_bank_is_refused_by_validate_and_index(tmp_path):
    # `bank validate` said "0 valid questions in 0 files, 0 problems" and `index` "0 added", both exiting 0.
    empty = tmp_path / "empty"
    empty.mkdir()
    validated = run_process("bank", "validate", "--corpus", str(empty), env={})
    assert validated.returncode == 1 and validated.stderr.count("\n") == 1, validated.stderr
    assert f"No questions in {empty}: it has no bank files" in validated.stderr and "check the path" in validated.stderr
    indexed = run_process("index", env={"MOCKINT_CORPUS_DIR": str(empty), "MOCKINT_DATA_DIR": str(tmp_path / "d")})
    assert indexed.returncode == 1 and "added" not in indexed.stdout
    assert f"No questions in {empty}" in indexed.stderr and "set MOCKINT_CORPUS_DIR to another folder" in indexed.stderr


@pytest.mark.slow
def test_import_warns_about_a_question_the_bank_already_asks(capsys, tmp_path):
    # The reviewer's case: the example page's "What does label smoothing do?" beside the shipped
    # dl-label-smoothing (cosine 0.84, over the 0.77 threshold), which the import never checked for.
    shipped = load_bank(None)
    kept = [shipped.get(i) for i in ("dl-label-smoothing", "what-is-dropout")]
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "deep-learning.yaml").write_text(dump_questions(kept), encoding="utf-8")
    page = ROOT / "docs" / "examples" / "question-page.txt"
    code, out, err = run(capsys, "bank", "import", str(page), "--corpus", str(bank), "--dry-run")
    assert code == 0 and "2 added" in out
    assert "Looking for near-duplicates of 2 imported questions among 4" in err
    [line] = [line for line in out.splitlines() if line.startswith("near-duplicate")]
    assert line.endswith("what-does-label-smoothing-do ~ dl-label-smoothing")
    assert f"`mockint bank validate --corpus {bank}` checks the whole bank." in out
    code, out, _ = run(capsys, "bank", "import", str(page), "--corpus", str(bank), "--no-near-duplicates")
    assert code == 0 and "2 added" in out and "near-duplicate" not in out


@pytest.mark.slow
def test_switching_banks_keeps_each_index_and_a_long_build_is_announced_off_a_terminal(tmp_path):
    # Sixty questions take seconds to embed: said in one line even though stderr is a pipe, not a terminal.
    many = [
        _entry(
            f"q-{i}", "deep-learning", "easy", "conceptual", [], f"What is idea number {i}?", f"Idea {i} is a thing."
        )
        for i in range(60)
    ]
    mine = write_corpus(tmp_path / "my-bank", many)
    other = write_corpus(tmp_path / "other-bank", [_entry(*q) for q in QUESTIONS])
    first = run_process("index", env={"MOCKINT_CORPUS_DIR": str(mine)})
    assert first.returncode == 0, first.stderr
    # The first use of a fresh models folder also says it prepares the model (a test run on its own).
    said = first.stderr.replace("mockint: Preparing the embedding model once (about 10 s)…\n", "")
    assert said == f"mockint: Indexing 60 questions in {mine} for search, once for this bank…\n"
    assert "60 embedded" in first.stdout
    assert "6 embedded" in run_process("index", env={"MOCKINT_CORPUS_DIR": str(other)}).stdout
    back = run_process("search", "idea number 7", "-k", "1", env={"MOCKINT_CORPUS_DIR": str(mine)})
    assert back.returncode == 0 and back.stderr == "" and "q-7" in back.stdout
    again = run_process("index", env={"MOCKINT_CORPUS_DIR": str(mine)})
    assert "60 unchanged; 0 embedded" in again.stdout and again.stderr == ""


def test_an_empty_query_is_refused_with_what_to_give(capsys, corpus):
    # It printed 'No matching questions.' and exited 0, as if the bank had nothing on the subject.
    code, _, err = run(capsys, "search", "  ")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("mockint: Nothing to search for: the query is empty.") and 'mockint search "' in err


def test_an_unknown_tag_is_an_error_like_an_unknown_topic(capsys, corpus):
    # It printed 'No matching questions.' and exited 0, while an unknown --topic was an error listing the topics.
    code, _, err = run(capsys, "search", "overfitting", "--tag", "regularisation")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("mockint: No questions with tag 'regularisation'. Did you mean: regularization?")
    assert "mockint bank stats --tags" in err


def test_stats_lists_the_tags_an_unknown_tag_points_to(capsys, corpus):
    code, out, _ = run(capsys, "bank", "stats", "--tags")
    assert code == 0 and "  regularization  1" in out and "  vision  1" in out


def test_an_unknown_type_is_named_type_with_the_valid_ones(capsys, corpus):
    # It said 'Unknown questiontype', the name of a class.
    code, _, err = run(capsys, "search", "x", "--type", "theory")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("mockint: Unknown type 'theory'. Use one of conceptual, scenario, coding, system-design")
