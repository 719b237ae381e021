"""The user-facing error's one line: the problem, then the fix."""

from mockint.errors import MockintError, StoreError


def test_the_problem_ends_as_a_sentence_before_the_fix():
    refused = StoreError("Cannot reach the server: [Errno 111] Connection refused", hint="Start the server.")
    assert str(refused) == "Cannot reach the server: [Errno 111] Connection refused. Start the server."
    assert str(MockintError("The file is empty.", hint="Record again.")) == "The file is empty. Record again."
    assert str(MockintError("Is it running?", hint="Start it.")) == "Is it running? Start it."
    assert str(MockintError("No hint here")) == "No hint here"
