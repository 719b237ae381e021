"""mockint: a mock-interview coach with rubric grading."""

__version__ = "0.1.0"
