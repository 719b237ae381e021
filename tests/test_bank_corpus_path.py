"""--corpus naming a bank file instead of the bank's folder: one line saying which folder to pass."""

from pathlib import Path

from test_cli_bank import run

PAGE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "question-page.txt"


def test_a_bank_file_passed_as_corpus_names_the_folder_it_lives_in(capsys, tmp_path):
    # import ended in a FileExistsError traceback; validate and stats said the (existing) file "does not exist".
    bank = tmp_path / "my-bank"
    code, _, _ = run(capsys, "bank", "import", str(PAGE), "--corpus", str(bank), "--no-near-duplicates")
    assert code == 0
    bank_file = bank / "deep-learning.yaml"
    expected = (
        f"mockint: {bank_file} is a file, not a folder. --corpus takes the bank's folder, the one holding the "
        f"topic .yaml files: pass --corpus {bank}.\n"
    )
    for args in (
        ("bank", "import", str(PAGE), "--corpus", str(bank_file), "--no-near-duplicates"),
        ("bank", "validate", "--corpus", str(bank_file), "--no-near-duplicates"),
        ("bank", "stats", "--corpus", str(bank_file)),
    ):
        code, _, err = run(capsys, *args)
        assert (code, err) == (1, expected), args
    assert bank_file.is_file() and len(list(bank.iterdir())) == 1


def test_a_corpus_folder_that_cannot_be_created_is_one_line(capsys, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = run(capsys, "bank", "import", str(PAGE), "--corpus", str(blocker / "bank"), "--no-near-duplicates")
    assert code == 1 and err.count("\n") == 1
    assert f"Cannot create the bank folder {blocker / 'bank'}: Not a directory." in err
