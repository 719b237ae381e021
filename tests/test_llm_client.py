"""LLMClient against a real HTTP server that speaks the OpenAI protocol (tests/scripted_openai.py)."""

import logging
import socket
import time

import pytest
from pydantic import SecretStr

from llm_faults import CUT_OFF_BODY, SSE
from mockint.config import Settings
from mockint.doors.llm import LLMClient
from mockint.errors import LLMError, LLMResponseError, LLMUnavailableError
from scripted_openai import Reply, ScriptedOpenAIServer, chat_completion

KEY = "sk-test-TOPSECRET-0123456789"
SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}


@pytest.fixture
def server():
    with ScriptedOpenAIServer() as s:
        yield s


def make_client(
    base_url: str,
    *,
    key: str | None = KEY,
    timeout: float = 0.3,
    retries: int = 2,
    sleeps: list[float] | None = None,
    **kw,
) -> LLMClient:
    return LLMClient(
        base_url,
        SecretStr(key) if key else None,
        "test-model",
        timeout=timeout,
        max_retries=retries,
        backoff_base=0.01,
        backoff_max=0.02,
        sleep=sleeps.append if sleeps is not None else (lambda _: None),
        **kw,
    )


def ask(client: LLMClient):
    return client.complete_json([{"role": "user", "content": "Reply in JSON."}], schema=SCHEMA, schema_name="t")


def test_structured_output_request_and_usage(server):
    server.enqueue(Reply(body=chat_completion('{"ok": true}', prompt_tokens=12, completion_tokens=3)))
    reply = ask(make_client(server.base_url))
    assert reply.text == '{"ok": true}'
    assert (reply.prompt_tokens, reply.completion_tokens) == (12, 3)
    assert reply.latency_ms > 0
    [request] = server.received()
    body = request.json()
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "t", "schema": SCHEMA, "strict": True},
    }
    assert body["temperature"] == 0.0
    assert body["model"] == "test-model"
    assert {k.lower(): v for k, v in request.headers.items()}["authorization"] == f"Bearer {KEY}"


def test_keyless_server_works_with_a_placeholder_key(server):
    server.enqueue('{"ok": true}')
    assert ask(make_client(server.base_url, key=None)).text == '{"ok": true}'
    assert {k.lower(): v for k, v in server.received()[0].headers.items()}["authorization"].startswith("Bearer ")


def test_rejected_structured_output_falls_back_to_json_object_and_remembers(server):
    server.enqueue(Reply(status=400, body={"error": {"message": "response_format json_schema is not supported"}}))
    server.enqueue('{"ok": true}', times=2)
    client = make_client(server.base_url)
    assert ask(client).text == '{"ok": true}'
    assert ask(client).output_mode == "json_object_schema"
    formats = [r.json().get("response_format") for r in server.received()]
    assert formats[0]["type"] == "json_schema"
    assert formats[1:] == [{"type": "json_object", "schema": SCHEMA}] * 2
    assert client.response_format_mode == "json_object_schema"


def test_json_mode_without_the_schema_when_the_schema_is_rejected_too(server):
    server.enqueue(Reply(status=500, body={"detail": [{"loc": ["body", "response_format", "type"]}]}))
    server.enqueue(Reply(status=422, body={"error": {"message": "response_format: extra field 'schema'"}}))
    server.enqueue('{"ok": true}')
    reply = ask(make_client(server.base_url))
    assert reply.output_mode == "json_object"
    assert server.received()[-1].json()["response_format"] == {"type": "json_object"}
    assert len(server.received()) == 3  # a 500 naming response_format is a rejection, not retried


def test_server_without_json_mode_gets_no_response_format(server):
    server.enqueue(Reply(status=400, body={"error": {"message": "unknown field response_format"}}), times=3)
    server.enqueue('{"ok": true}')
    assert ask(make_client(server.base_url)).text == '{"ok": true}'
    assert "response_format" not in server.received()[-1].json()


def test_model_refusing_temperature_is_asked_without_it(server):
    server.enqueue(
        Reply(
            status=400,
            body={"error": {"message": "Unsupported value: 'temperature' does not support 0.0 with this model."}},
        )
    )
    server.enqueue('{"ok": true}')
    client = make_client(server.base_url)
    assert ask(client).text == '{"ok": true}'
    second = server.received()[1].json()
    assert "temperature" not in second
    assert second["response_format"]["type"] == "json_schema"


def test_context_overflow_is_reported_not_mistaken_for_a_format_problem(server):
    server.enqueue(Reply(status=400, body={"error": {"message": "This model's maximum context length is 4096"}}))
    client = make_client(server.base_url)
    with pytest.raises(LLMError, match="maximum context length") as info:
        ask(client)
    assert not isinstance(info.value, LLMUnavailableError)
    assert len(server.received()) == 1
    assert client.response_format_mode == "json_schema"


def test_rate_limit_then_success_honours_retry_after_capped(server):
    server.enqueue(Reply(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "3600"}))
    server.enqueue('{"ok": true}')
    sleeps: list[float] = []
    reply = ask(make_client(server.base_url, sleeps=sleeps, retry_after_max=7.0))
    assert reply.text == '{"ok": true}'
    assert len(server.received()) == 2
    assert sleeps == [7.0]


def test_backoff_grows_and_is_bounded(server):
    sleeps: list[float] = []
    client = LLMClient(
        server.base_url, None, "m", timeout=0.3, max_retries=4, backoff_base=1.0, backoff_max=3.0, sleep=sleeps.append
    )
    with pytest.raises(LLMUnavailableError):
        ask(client)
    assert len(sleeps) == 4
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0
    assert all(s <= 3.0 for s in sleeps)


def test_timeout_every_time_raises_unavailable_with_what_to_do(server):
    server.enqueue(Reply(delay=1.0, body=chat_completion("{}")), times=3)
    with pytest.raises(LLMUnavailableError) as info:
        ask(make_client(server.base_url, timeout=0.3, retries=2))
    message = str(info.value)
    assert "timed out after 0.3 s" in message
    assert "failed the chat request 3 times" in message
    assert "answers too slowly" in message and "MOCKINT_LLM_TIMEOUT" in message and "rate limit" not in message
    assert len(server.received()) == 3


def test_server_error_every_time_stops_after_bounded_tries(server):
    server.enqueue(Reply(status=500, body={"error": {"message": "boom"}}), times=10)
    with pytest.raises(LLMUnavailableError, match="HTTP 500: boom"):
        ask(make_client(server.base_url, retries=3))
    assert len(server.received()) == 4  # ours only: the SDK's own retries are off


def test_nothing_listening_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMUnavailableError, match="could not connect"):
        ask(make_client(f"http://127.0.0.1:{port}/v1", retries=1))


def test_a_refused_connection_asks_whether_the_server_runs_at_the_address_without_its_secrets():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://me:{KEY}@127.0.0.1:{port}/v1"
    with pytest.raises(LLMUnavailableError) as info:
        ask(make_client(url, retries=3))
    message = str(info.value)
    assert "failed the chat request 4 times; last: could not connect" in message
    assert f"Is the server running at http://127.0.0.1:{port}/v1? Start it or fix OPENAI_BASE_URL" in message
    assert "rate limit" not in message and "time(s)" not in message
    assert KEY not in message and "TOPSECRET" not in message
    with pytest.raises(LLMUnavailableError, match="failed the chat request once;"):
        ask(make_client(url, retries=0))


def test_a_refused_connection_asks_whether_the_server_runs_even_when_the_deadline_stopped_the_retries():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Backoff of 1-2 s before the second try would end past the 1 s deadline: retries stop for want of time.
    client = LLMClient(
        f"http://127.0.0.1:{port}/v1", None, "m", max_retries=3, deadline=1.0, backoff_base=1.0, sleep=lambda s: None
    )
    with pytest.raises(LLMUnavailableError) as info:
        ask(client)
    message = str(info.value)
    assert "within the 1 s deadline; last: could not connect" in message
    assert f"Is the server running at http://127.0.0.1:{port}/v1?" in message and "too slowly" not in message


def test_a_failed_embeddings_request_suggests_local_embeddings_not_the_offline_grader(server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LLMUnavailableError) as info:
        make_client(f"http://127.0.0.1:{port}/v1", retries=0).embed(["text"], "text-embedding-3-small")
    assert "or set MOCKINT_EMBEDDINGS=local." in str(info.value) and "MOCKINT_GRADER" not in str(info.value)
    server.enqueue(Reply(status=400, body={"error": {"message": "unknown model"}}), path="/v1/embeddings")
    with pytest.raises(LLMError) as info:
        make_client(server.base_url).embed(["text"], "no-such-model")
    assert "Check MOCKINT_OPENAI_EMBEDDING_MODEL for this server, or set MOCKINT_EMBEDDINGS=local." in str(info.value)


def test_a_rate_limit_every_time_says_so_in_the_hint(server):
    server.enqueue(Reply(status=429, body={"error": {"message": "slow down"}}), times=2)
    with pytest.raises(LLMUnavailableError) as info:
        ask(make_client(server.base_url, retries=1))
    message = str(info.value)
    assert "failed the chat request 2 times; last: rate limited, HTTP 429" in message
    assert "rate limiting you" in message and "Is the server running" not in message


def test_bad_key_says_check_the_key_and_never_shows_it(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.enqueue(Reply(status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(LLMError, match="OPENAI_API_KEY") as info:
        ask(make_client(server.base_url))
    assert not isinstance(info.value, LLMUnavailableError)
    assert len(server.received()) == 1
    assert KEY not in str(info.value)
    assert "TOPSECRET" not in caplog.text


def test_key_never_in_errors_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(server.base_url)
    server.enqueue(Reply(status=500, body={"error": {"message": f"upstream said Bearer {KEY}"}}), times=3)
    with pytest.raises(LLMUnavailableError) as info:
        ask(client)
    server.enqueue(Reply(status=403, body={"error": {"message": "forbidden"}}))
    with pytest.raises(LLMError) as denied:
        ask(client)
    for text in (str(info.value), str(denied.value), repr(client), caplog.text):
        assert "TOPSECRET" not in text
    assert "LLM chat request" in caplog.text  # debug logging is on, so the check above means something


def test_stream_yields_deltas_then_reply(server):
    server.enqueue(Reply(stream_chunks=['{"feed', 'back": "Yo', 'u did well"}']))
    stream = make_client(server.base_url).stream_json(
        [{"role": "user", "content": "JSON please"}], schema=SCHEMA, schema_name="t"
    )
    deltas = list(stream)
    assert deltas == ['{"feed', 'back": "Yo', 'u did well"}']
    assert stream.reply.text == '{"feedback": "You did well"}'
    assert stream.reply.completion_tokens > 0
    body = server.received()[0].json()
    assert body["stream"] is True and body["response_format"]["type"] == "json_schema"


def test_stream_falls_back_and_retries_before_the_first_delta(server):
    server.enqueue(Reply(status=400, body={"error": {"message": "json_schema unsupported"}}))
    server.enqueue(Reply(status=503, body={"error": {"message": "loading model"}}))
    server.enqueue(Reply(stream_chunks=["{}"]))
    stream = make_client(server.base_url).stream_json(
        [{"role": "user", "content": "x"}], schema=SCHEMA, schema_name="t"
    )
    assert list(stream) == ["{}"]
    assert [r.json()["response_format"]["type"] for r in server.received()] == [
        "json_schema",
        "json_object",
        "json_object",
    ]


def test_embed_returns_vectors_in_input_order(server):
    server.enqueue(
        {
            "object": "list",
            "model": "emb",
            "usage": {"prompt_tokens": 2, "total_tokens": 2},
            "data": [
                {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
                {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]},
            ],
        },
        path="/v1/embeddings",
    )
    vectors = make_client(server.base_url).embed(["a", "b"], model="emb")
    assert vectors == [[1.0, 0.0], [0.0, 1.0]]
    assert server.received("/v1/embeddings")[0].json()["input"] == ["a", "b"]


def test_transcribe_posts_multipart_audio(server):
    server.enqueue({"text": "backpropagation uses the chain rule"}, path="/v1/audio/transcriptions")
    text = make_client(server.base_url).transcribe(b"RIFF-fake-wav", "answer.wav", model="whisper-1")
    assert text == "backpropagation uses the chain rule"
    form = server.received("/v1/audio/transcriptions")[0].form()
    assert form["file"] == ("answer.wav", b"RIFF-fake-wav")
    assert form["model"][1] == b"whisper-1"


def test_from_settings_reads_the_endpoint_settings(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("MOCKINT_MODEL", "llama3.1:8b")
    monkeypatch.setenv("MOCKINT_LLM_TIMEOUT", "12")
    monkeypatch.setenv("MOCKINT_LLM_MAX_RETRIES", "1")
    client = LLMClient.from_settings(Settings())
    assert (client.base_url, client.model, client.timeout, client.max_retries) == (
        "http://localhost:11434/v1",
        "llama3.1:8b",
        12.0,
        1,
    )


def test_stream_stalling_before_its_first_text_is_retried(server):
    server.enqueue(Reply(stream_chunks=["", "late"], chunk_delay=1.0))
    server.enqueue(Reply(stream_chunks=["on ", "time"]))
    stream = make_client(server.base_url, retries=1).stream_json(
        [{"role": "user", "content": "x"}], schema=None, schema_name="t"
    )
    assert list(stream) == ["on ", "time"]
    assert len(server.received()) == 2


def test_stream_stalling_after_text_was_handed_out_is_not_retried(server):
    server.enqueue(Reply(stream_chunks=["half ", "never"], chunk_delay=1.0))
    stream = make_client(server.base_url, retries=3).stream_json(
        [{"role": "user", "content": "x"}], schema=None, schema_name="t"
    )
    seen = []
    with pytest.raises(LLMUnavailableError, match=r"timed out after 0\.3 s"):
        seen.extend(stream)
    assert seen == ["half "]
    assert len(server.received()) == 1


# -- reachability: what the app's sidebar says before the first grade ------------------------------------


@pytest.mark.parametrize(
    ("reply", "state"),
    [
        (Reply(body={"object": "list", "data": [{"id": "test-model", "object": "model"}]}), "reachable"),
        # llama.cpp and some proxies have no /models: a server that answers at all is there.
        (Reply(status=404, body={"error": {"message": "not found"}}), "reachable"),
        (Reply(status=500, body={"error": {"message": "boom"}}), "reachable"),
        (Reply(status=401, body={"error": {"message": f"Incorrect API key provided: {KEY}"}}), "key refused"),
    ],
)
def test_a_server_that_answers_is_reachable_unless_it_refuses_the_key(server, reply, state):
    server.enqueue(reply, path="/v1/models")
    reach = make_client(server.base_url).reach(3.0)
    assert reach.state == state and KEY not in reach.detail
    [asked] = server.received("/v1/models")  # one request, no retries
    assert asked.headers["authorization"] == f"Bearer {KEY}"


def test_a_refused_port_or_unknown_host_is_unreachable_at_once():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        refused = make_client(f"http://me:{KEY}@127.0.0.1:{sock.getsockname()[1]}/v1").reach(3.0)
    assert refused.state == "unreachable" and "could not connect" in refused.detail and KEY not in refused.detail
    unknown = make_client("http://no-such-host.invalid/v1").reach(3.0)
    assert unknown.state == "unreachable" and "could not connect" in unknown.detail


def test_a_server_that_never_answers_is_unreachable_within_the_time_given():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()  # connections are accepted by the kernel, never answered
        started = time.monotonic()
        reach = make_client(f"http://127.0.0.1:{sock.getsockname()[1]}/v1", timeout=60).reach(0.5)
    assert reach == ("unreachable", "no answer within 0.5 s")
    assert time.monotonic() - started < 2


# A 200 whose body is no chat completion the SDK can parse: cut off by a proxy or a crashing server, empty,
# not UTF-8, a stream event that is not JSON or carries an error, a completion of the wrong shape.
UNUSABLE = {
    "cut-off body": (Reply(raw=CUT_OFF_BODY), "not valid JSON (Unterminated string starting at character 49)"),
    "empty body": (Reply(raw=b""), "an empty body"),
    "not UTF-8": (Reply(raw=b"\xff\xfe{"), "not UTF-8 text"),
    "choices not a list": (Reply(body={"choices": "abc"}), "not a chat completion"),
    "choice without a message": (Reply(body={"choices": [None]}), "not a chat completion"),
    "content not text": (Reply(body={"choices": [{"message": {"content": {"a": 1}}}]}), "not a chat completion"),
    "stream event not JSON": (Reply(raw=b"data: {not json\n\n", content_type=SSE), "not valid JSON"),
    "stream error event": (
        Reply(raw=b'data: {"error": {"message": "model crashed"}}\n\n', content_type=SSE),
        "an error instead of a reply: model crashed",
    ),
    "stream chunk of the wrong shape": (Reply(raw=b'data: {"choices": "x"}\n\n', content_type=SSE), "not a chat"),
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_a_200_reply_that_is_not_a_chat_completion_is_retried_then_a_one_line_response_error(server, case):
    reply, says = UNUSABLE[case]
    server.enqueue(reply, times=3)
    client = make_client(server.base_url, retries=2)
    messages = [{"role": "user", "content": "Reply in JSON."}]
    with pytest.raises(LLMResponseError) as info:
        if reply.content_type == SSE:
            list(client.stream_json(messages, schema=SCHEMA, schema_name="t"))
        else:
            ask(client)
    message = str(info.value)
    assert f"The LLM server at {server.base_url} answered 3 times, but its reply was unusable" in message
    assert says in message and "at at" not in message
    assert "Check the server's log" in message and "\n" not in message
    assert len(server.received()) == 3


def test_a_cut_off_reply_then_a_whole_one_is_graded_from_the_whole_one(server):
    server.enqueue(Reply(raw=CUT_OFF_BODY))
    server.enqueue('{"ok": true}')
    assert ask(make_client(server.base_url)).text == '{"ok": true}'


def test_token_counts_that_are_not_numbers_are_estimated(server):
    server.enqueue(Reply(body={"choices": [{"message": {"content": '{"ok": true}'}}], "usage": "lots"}))
    reply = ask(make_client(server.base_url))
    assert reply.text == '{"ok": true}' and reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert reply.model == "test-model"


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("", "OPENAI_BASE_URL usually ends in /v1: try {url}/v1; else check MOCKINT_MODEL"),
        ("/v1/chat/completions", "OPENAI_BASE_URL is the address before /chat/completions: try {url}/v1;"),
        ("/v1", "Check MOCKINT_MODEL (the server lists its models at {url}/v1/models) and OPENAI_BASE_URL."),
    ],
)
def test_a_404_suggests_the_address_a_base_url_usually_has(server, path, says):
    url = server.base_url.removesuffix("/v1")
    server.enqueue(Reply(status=404, body={"detail": "Not Found"}), path=f"{path}/chat/completions")
    with pytest.raises(LLMError) as info:
        ask(make_client(url + path))
    assert says.format(url=url) in str(info.value)
    assert "embedding" not in str(info.value) and "transcription" not in str(info.value)


def test_https_to_a_plain_http_server_says_use_http_at_once(server):
    sleeps: list[float] = []
    with pytest.raises(LLMError) as info:
        ask(make_client(server.base_url.replace("http://", "https://"), retries=3, sleeps=sleeps))
    assert not isinstance(info.value, LLMUnavailableError) and sleeps == []  # a retry would fail the same way
    assert "did not answer over TLS" in str(info.value)
    assert "Use http:// instead of https:// in OPENAI_BASE_URL" in str(info.value)


def test_a_401_without_a_key_set_says_the_server_needs_one(server):
    server.enqueue(Reply(status=401, body={"error": {"message": "no api key"}}))
    with pytest.raises(LLMError) as info:
        ask(make_client(server.base_url, key=None))
    message = str(info.value)
    assert "needs an API key (HTTP 401), and none is set" in message and "set OPENAI_API_KEY" in message
    assert "refused the credentials" not in message


@pytest.mark.parametrize("tail", ["?k=sk-URLSECRET666", "?api-key=sk-URLSECRET666&x=1", "#sk-URLSECRET666"])
def test_a_base_url_with_a_query_string_or_fragment_is_refused_without_echoing_it(tail):
    with pytest.raises(LLMError) as info:
        make_client(f"http://me:pw@127.0.0.1:8743/v1{tail}")
    message = str(info.value)
    assert "OPENAI_BASE_URL=http://127.0.0.1:8743/v1 has a query string or fragment" in message
    assert "address alone (http://127.0.0.1:8743/v1) and a key in OPENAI_API_KEY" in message
    assert "URLSECRET" not in message and "pw" not in message and "x=1" not in message
