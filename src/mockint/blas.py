"""numpy's BLAS on one thread, for the whole process: `one_blas_thread()` is called by the offline grader and
by the Whisper door before either computes anything.

Why one thread: the grader's matrix products are small, and idle BLAS workers spin for a while after each
one, taking the second core from the answer scorer and the embedder (a grade right after an item was
prepared took twice as long: `python -m benchmarks.offline_grader`). Why for the whole process, not around
each grade: Whisper computes its input features with numpy too, and a thread count that changed while a
grade ran beside a transcription changed what Whisper heard in a garbled recording.
"""

import functools


@functools.cache
def one_blas_thread() -> None:
    import numpy  # noqa: F401  (loads the BLAS this limits: threadpoolctl sees only libraries already loaded)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
