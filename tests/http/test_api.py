"""HTTP API: endpoints, options, error contract, limits, CORS, logging (FastAPI TestClient)."""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bodyguard import JsonBodyGuard
from api.ratelimit import TokenBucketLimiter
from api.settings import Settings, SettingsError
from checker.pipeline import default_checker, rules_checker

CURE = "Our stem cell therapy cures multiple sclerosis."
FDA = "It is FDA-approved."
NO_RISK = "The procedure has no side effects."
PAGE = f"{CURE} {FDA} {NO_RISK}"
# No rate limit unless a test asks for one.
BASE = Settings(rate_limit_per_minute=0)


def _client(settings: Settings = BASE, **kw) -> TestClient:
    # The HTTP layer is tested on the rules alone, whose findings these tests pin;
    # the judge's own tests are in test_judge.py.
    kw.setdefault("checker_factory", rules_checker)
    return TestClient(create_app(settings, **kw))


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# --- /v1/check -----------------------------------------------------------------


def test_check_text_returns_the_report(client):
    r = client.post("/v1/check", json={"text": PAGE})
    assert r.status_code == 200
    data = r.json()
    assert data["input"] == "text"
    assert data["text"] is None
    assert [f["text"] for f in data["findings"]] == ["cures multiple sclerosis", "FDA-approved", "no side effects"]
    assert {f["category"] for f in data["findings"]} == {"cure-claim", "fda-approval", "risk-denial"}
    for f in data["findings"]:
        assert PAGE[f["start"] : f["end"]] == f["text"]
        assert f["html_start"] is None and f["sources"] and f["suggestion"]
    # the core's Report, unchanged
    expected = rules_checker().check(PAGE).model_dump(mode="json")
    assert {k: data[k] for k in expected} == expected
    assert data["summary"]["verdict"] == "seriously misleading"
    assert data["rule_pack"]["name"] == "stemcheck-core"


def test_check_reports_server_timing(client):
    r = client.post("/v1/check", json={"text": CURE})
    name, _, dur = r.headers["server-timing"].partition(";dur=")
    assert name == "check" and float(dur) > 0


def test_check_clean_text(client):
    data = client.post("/v1/check", json={"text": "We are a clinic in Berlin."}).json()
    assert data["findings"] == []
    assert data["summary"]["verdict"] == "clean"


def test_check_include_text_and_utf16(client):
    text = "😀🧬 " + CURE
    data = client.post("/v1/check", json={"text": text, "include_text": True}).json()
    assert data["text"] == text
    (f,) = data["findings"]
    units = text.encode("utf-16-le")
    assert units[2 * f["start_utf16"] : 2 * f["end_utf16"]].decode("utf-16-le") == "cures multiple sclerosis"
    assert f["start_utf16"] == f["start"] + 2


def test_check_filters_recompute_summary(client):
    page = open("examples/clinic-page.txt", encoding="utf-8").read()
    full = client.post("/v1/check", json={"text": page}).json()
    cats = {f["category"] for f in full["findings"]}
    assert len(cats) > 3

    only = client.post("/v1/check", json={"text": page, "categories": ["cure-claim", "fda-approval"]}).json()
    assert only["findings"] and {f["category"] for f in only["findings"]} <= {"cure-claim", "fda-approval"}
    assert only["summary"]["warnings"] == len(only["findings"])
    assert set(only["summary"]["by_category"]) <= {"cure-claim", "fda-approval"}
    assert only["summary"]["sentences"] == full["summary"]["sentences"]

    excl = client.post("/v1/check", json={"text": page, "exclude_categories": ["marketing-red-flag"]}).json()
    assert "marketing-red-flag" not in {f["category"] for f in excl["findings"]}
    assert len(excl["findings"]) < len(full["findings"])

    high = client.post("/v1/check", json={"text": page, "min_severity": "high"}).json()
    assert high["findings"] and {f["severity"] for f in high["findings"]} <= {"high", "critical"}
    assert "medium" not in high["summary"]["by_severity"]

    crit = client.post("/v1/check", json={"text": page, "min_severity": "critical"}).json()
    assert {f["severity"] for f in crit["findings"]} == {"critical"}
    assert crit["summary"]["verdict"] == "seriously misleading"


def test_check_include_all_returns_non_warnings(client):
    text = "Stem cells are not a cure for MS."
    assert client.post("/v1/check", json={"text": text}).json()["findings"] == []
    data = client.post("/v1/check", json={"text": text, "include_all": True}).json()
    assert data["include_all"] is True
    assert data["findings"] and not any(f["warning"] for f in data["findings"])
    assert data["summary"]["warnings"] == 0 and data["summary"]["verdict"] == "clean"


def test_unknown_category_is_422(client):
    err = _error(client.post("/v1/check", json={"text": "x", "categories": ["cures"]}), 422, "unknown_category")
    assert "cure-claim" in err["message"]
    _error(client.post("/v1/check", json={"text": "x", "exclude_categories": ["nope"]}), 422, "unknown_category")


@pytest.mark.parametrize(
    "body",
    [
        {"text": "a", "html": "<p>b</p>"},  # both
        {},  # neither
        {"include_all": True},  # neither, with options
        {"text": 123},  # wrong types
        {"html": ["<p>"]},
        {"text": "a", "include_all": "yes"},
        {"text": "a", "categories": "cure-claim"},
        {"text": "a", "min_severity": "severe"},
        {"text": None},
        {"txt": "a typo"},  # unknown field
        {"text": "\ud800 lone surrogate"},
    ],
)
def test_check_validation_errors_are_422(client, body):
    # json.dumps escapes a lone surrogate as "\ud800", as a JavaScript client would send it
    r = client.post("/v1/check", content=json.dumps(body), headers={"content-type": "application/json"})
    err = _error(r, 422, "validation_error")
    assert err["details"] and all({"loc", "msg", "type"} == set(d) for d in err["details"])


def test_both_or_neither_message_is_clear(client):
    for body in ({"text": "a", "html": "b"}, {}):
        err = _error(client.post("/v1/check", json=body), 422, "validation_error")
        assert "exactly one of 'text' or 'html'" in err["message"]


def test_validation_error_does_not_echo_the_text(client):
    secret = "my private clinic email " * 50
    r = client.post("/v1/check", json={"text": secret, "html": secret})
    assert secret not in r.text


@pytest.mark.parametrize("body", ["[]", '"text"', "123", "null", "true"])
def test_json_that_is_not_an_object_is_422(client, body):
    _error(client.post("/v1/check", content=body, headers={"content-type": "application/json"}), 422, "validation_error")


# --- transport errors: 400 / 413 / 415 -----------------------------------------------


@pytest.mark.parametrize("body", [b"{bad json", b'{"text": "a",}', b"", b"   ", b"[" * 100_000, b'{"text": "a"} x'])
def test_malformed_json_is_400(client, body):
    _error(client.post("/v1/check", content=body, headers={"content-type": "application/json"}), 400, "malformed_json")


@pytest.mark.parametrize("body", [b'{"text": "caf\xe9"}', b"\xff\xfe{}", b'{"text": "\xed\xa0\x80"}'])
def test_invalid_utf8_is_400(client, body):
    err = _error(client.post("/v1/check", content=body, headers={"content-type": "application/json"}), 400, "invalid_utf8")
    assert "UTF-8" in err["message"]


def test_utf8_bom_is_tolerated(client):
    body = b"\xef\xbb\xbf" + json.dumps({"text": CURE}).encode()
    r = client.post("/v1/check", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["findings"]


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin-1"],
)
def test_wrong_content_type_is_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"text": CURE}).encode()
    for path in ("/v1/check", "/v1/check/batch"):
        r = client.post(path, content=body, headers=headers)
        _error(r, 415, "unsupported_media_type")


def test_compressed_body_is_415(client):
    import gzip

    body = gzip.compress(json.dumps({"text": CURE}).encode())
    r = client.post("/v1/check", content=body, headers={"content-type": "application/json", "content-encoding": "gzip"})
    err = _error(r, 415, "unsupported_media_type")
    assert "gzip" in err["message"]


def test_json_content_type_variants_accepted(client):
    for ct in ("application/json", "Application/JSON", "application/json; charset=utf-8", 'application/json;charset="UTF-8"'):
        r = client.post("/v1/check", content=json.dumps({"text": CURE}), headers={"content-type": ct})
        assert r.status_code == 200, (ct, r.text)


def test_oversize_body_is_413_by_content_length():
    with _client(Settings(rate_limit_per_minute=0, max_body_bytes=1000)) as c:
        ok = c.post("/v1/check", json={"text": "a" * 900})
        assert ok.status_code == 200
        err = _error(c.post("/v1/check", json={"text": "a" * 2000}), 413, "body_too_large")
        assert "1,000" in err["message"]
        _error(c.post("/v1/check/batch", json={"documents": [{"id": "a", "text": "a" * 2000}]}), 413, "body_too_large")


def test_oversize_body_is_413_when_streamed_without_length():
    with _client(Settings(rate_limit_per_minute=0, max_body_bytes=1000)) as c:
        def chunks():
            yield b'{"text": "'
            for _ in range(50):
                yield b"a" * 100
            yield b'"}'

        r = c.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
        _error(r, 413, "body_too_large")


async def _asgi_call(app, scope_headers, chunks):
    """Drive an ASGI app directly: body delivered in the given chunks."""
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/v1/check", "headers": scope_headers,
        "query_string": b"", "client": ("127.0.0.1", 1), "server": ("testserver", 80),
        "scheme": "http", "http_version": "1.1", "root_path": "",
    }
    await app(scope, receive, send)
    return sent


def test_lying_content_length_cannot_bypass_the_limit():
    import anyio

    reached = []

    async def inner(scope, receive, send):  # must never be reached
        reached.append(True)

    guard = JsonBodyGuard(inner, max_bytes=1000, paths=frozenset({"/v1/check"}))
    headers = [(b"content-type", b"application/json"), (b"content-length", b"10")]
    sent = anyio.run(_asgi_call, guard, headers, [b'{"text":"', b"a" * 800, b"a" * 800, b'"}'])
    assert not reached
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "body_too_large"


# --- 404 / 405 -------------------------------------------------------------------------


def test_unknown_path_is_404_json(client):
    _error(client.get("/v2/check"), 404, "not_found")
    _error(client.post("/v1/nope", json={}), 404, "not_found")
    _error(client.get("/static/missing.js"), 404, "not_found")


def test_wrong_method_is_405_json_with_allow(client):
    r = client.get("/v1/check")
    _error(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"
    _error(client.put("/v1/check/batch", json={}), 405, "method_not_allowed")
    r = client.post("/v1/rules", json={})
    _error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["allow"]
    _error(client.delete("/healthz"), 405, "method_not_allowed")


# --- rules / info / health / page ------------------------------------------------------


def test_rules_list(client):
    data = client.get("/v1/rules").json()
    pack = default_checker().pack
    assert data["rule_pack"]["hash"] == pack.info.hash
    assert [c["name"] for c in data["categories"]] == list(pack.meta.categories)
    assert len(data["rules"]) == len(pack.rules)
    first = data["rules"][0]
    assert set(first) == {"id", "category", "caution", "caution_title", "severity", "message"}


def test_rule_detail_with_examples_and_sources(client):
    r = client.get("/v1/rules/cure-claim.cures-disease")
    assert r.status_code == 200
    data = r.json()
    assert data["id"] == "cure-claim.cures-disease" and data["caution"] == "C1"
    assert CURE in data["examples"]["fire"]
    assert len(data["examples"]["not_fire"]) >= 5
    assert data["sources"] and all(s["url"].startswith("https://") for s in data["sources"])
    assert data["explanation"] and data["suggestion"] and data["patterns"]


def test_unknown_rule_is_404_json(client):
    err = _error(client.get("/v1/rules/cure-claim.nope"), 404, "rule_not_found")
    assert "cure-claim.nope" in err["message"]


def test_info(client):
    data = client.get("/v1/info").json()
    pack = default_checker().pack
    assert data["api_version"] == "v1"
    assert data["checker_version"] == __import__("checker").__version__
    assert data["rule_pack"] == pack.info.model_dump()
    assert data["limits"] == {
        "max_body_bytes": 2_000_000, "max_segments": 5000, "max_documents": 100,
        "rate_limit_per_minute": 0, "rate_burst": 30, "check_timeout_s": 10.0,
    }
    assert data["severities"] == ["low", "medium", "high", "critical"]


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_web_page_and_assets(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<textarea" in r.text and 'src="/static/app.js"' in r.text and "https://" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "innerHTML" not in js.text  # results are built with textContent only
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


def test_openapi_has_examples_for_every_endpoint(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) == {"/v1/check", "/v1/check/batch", "/v1/rules", "/v1/rules/{rule_id}", "/v1/info", "/healthz"}
    for path, ops in paths.items():
        for method, op in ops.items():
            ok = op["responses"]["200"]["content"]["application/json"]
            assert "example" in ok or "examples" in ok, (path, method)
            if method == "post":
                body = op["requestBody"]["content"]["application/json"]
                assert body.get("examples"), path
                for status in ("400", "413", "415", "422", "429"):
                    assert status in op["responses"], (path, status)
                    err = op["responses"][status]["content"]["application/json"]["example"]
                    assert set(err["error"]) == {"code", "message"}
    assert "404" in paths["/v1/rules/{rule_id}"]["get"]["responses"]


# --- rate limiting -----------------------------------------------------------------------


def test_rate_limit_429_with_retry_after():
    with _client(Settings(rate_limit_per_minute=60, rate_burst=2)) as c:
        assert c.get("/v1/info").status_code == 200
        assert c.post("/v1/check", json={"text": CURE}).status_code == 200
        r = c.post("/v1/check", json={"text": CURE})
        err = _error(r, 429, "rate_limited")
        assert r.headers["retry-after"] == "1"
        assert "retry" in err["message"]
        # health checks, the page and CORS preflights are not limited
        assert c.get("/healthz").status_code == 200
        assert c.get("/").status_code == 200
        pre = c.options("/v1/check", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200
        time.sleep(1.05)  # one token back at 1/s
        assert c.get("/v1/info").status_code == 200


def test_token_bucket_refills_and_is_per_client():
    now = [0.0]
    bucket = TokenBucketLimiter(per_minute=30, burst=3, clock=lambda: now[0])  # 0.5 tokens/s
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(2.0)
    assert bucket.take("b") == 0.0  # another client has its own bucket
    now[0] += 2.0
    assert bucket.take("a") == 0.0
    assert bucket.take("a") > 0


def test_token_bucket_table_is_bounded():
    now = [0.0]
    bucket = TokenBucketLimiter(per_minute=60, burst=1, max_clients=100, clock=lambda: now[0])
    for i in range(1000):
        now[0] += 0.001
        bucket.take(f"10.0.{i // 256}.{i % 256}")
    assert len(bucket) <= 100


# --- CORS ------------------------------------------------------------------------------------


def test_cors_preflight_from_chrome_extension(client):
    r = client.options(
        "/v1/check",
        headers={
            "Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "content-type" in r.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in r.headers
    # and the actual request carries the header too
    r = client.post("/v1/check", json={"text": CURE}, headers={"Origin": "chrome-extension://abc"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_cors_errors_carry_cors_headers(client):
    r = client.post("/v1/check", json={}, headers={"Origin": "https://advocates.example"})
    assert r.status_code == 422 and r.headers["access-control-allow-origin"] == "*"


def test_cors_restricted_origins():
    settings = Settings(rate_limit_per_minute=0, cors_origins=("https://advocates.example", "chrome-extension://*"))
    with _client(settings) as c:
        def preflight(origin):
            return c.options("/v1/check", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})

        for origin in ("https://advocates.example", "chrome-extension://abcdef"):
            r = preflight(origin)
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        r = preflight("https://evil.example")
        _error(r, 400, "cors_rejected")
        r = c.post("/v1/check", json={"text": CURE}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_cors_can_be_disabled():
    with _client(Settings(rate_limit_per_minute=0, cors_origins=())) as c:
        r = c.post("/v1/check", json={"text": CURE}, headers={"Origin": "https://x.example"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


# --- bugs become JSON 500s; text never logged ------------------------------------------


class _Broken:
    def __init__(self):
        self.pack = default_checker().pack
        self.judge_info = None

    def check(self, text, include_all=False, deadline=None):
        raise RuntimeError(f"boom while checking {text!r}")

    def check_many(self, texts, include_all=False, deadline=None):
        raise RuntimeError(f"boom while checking {list(texts)!r}")


def test_internal_error_is_json_500_and_logged_without_text(caplog):
    secret = "Patient Jane Doe, 12 Example Road, says"
    # No lifespan (no warm-up); on threads, since a test-module class cannot be sent to a
    # check worker process.
    c = TestClient(create_app(Settings(rate_limit_per_minute=0, check_processes=0), checker_factory=_Broken))
    with caplog.at_level(logging.DEBUG):
        r = c.post("/v1/check", json={"text": secret})
    _error(r, 500, "internal_error")
    assert secret not in r.text
    assert "RuntimeError" in caplog.text
    assert secret not in caplog.text


def test_submitted_text_is_not_logged_by_default(caplog):
    secret = "Zyxwv clinic private note: our stem cells cure MS."
    with caplog.at_level(logging.DEBUG):
        with _client() as c:
            c.post("/v1/check", json={"text": secret})
            c.post("/v1/check", json={"html": f"<p>{secret}</p>"})
            c.post("/v1/check/batch", json={"segments": [{"id": "a", "text": secret}]})
    assert "Zyxwv" not in caplog.text


def test_log_text_opt_in(caplog):
    secret = "Zyxwv opt-in: our stem cells cure MS."
    with caplog.at_level(logging.INFO, logger="stemcheck.api"):
        with _client(Settings(rate_limit_per_minute=0, log_text=True)) as c:
            c.post("/v1/check", json={"text": secret})
    assert "Zyxwv opt-in" in caplog.text


# --- settings ------------------------------------------------------------------------------


def test_settings_defaults():
    s = Settings.from_env({})
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8000, 1)
    assert (s.max_body_bytes, s.max_segments, s.max_documents) == (2_000_000, 5000, 100)
    assert (s.rate_limit_per_minute, s.rate_burst) == (120, 30)
    assert s.cors_origins == ("*",) and s.log_text is False and s.access_log is False


def test_settings_from_env():
    s = Settings.from_env({
        "STEMCHECK_HOST": "0.0.0.0", "STEMCHECK_PORT": "9000", "STEMCHECK_WORKERS": "3",
        "STEMCHECK_MAX_BODY_BYTES": "2_000_000", "STEMCHECK_MAX_SEGMENTS": "10", "STEMCHECK_MAX_DOCUMENTS": "5",
        "STEMCHECK_RATE_LIMIT_PER_MINUTE": "0", "STEMCHECK_RATE_BURST": "4",
        "STEMCHECK_CORS_ORIGINS": "https://a.example, chrome-extension://*", "STEMCHECK_LOG_TEXT": "yes",
    })
    assert (s.host, s.port, s.workers, s.max_body_bytes) == ("0.0.0.0", 9000, 3, 2_000_000)
    assert (s.max_segments, s.max_documents, s.rate_limit_per_minute, s.rate_burst) == (10, 5, 0, 4)
    assert s.cors_origins == ("https://a.example", "chrome-extension://*") and s.log_text is True
    exact, regex = s.cors_config()
    assert exact == ["https://a.example"] and regex


@pytest.mark.parametrize(
    "env",
    [
        {"STEMCHECK_PORT": "eighty"},
        {"STEMCHECK_PORT": "70000"},
        {"STEMCHECK_MAX_BODY_BYTES": "0"},
        {"STEMCHECK_LOG_TEXT": "maybe"},
        {"STEMCHECK_CORS_ORIGINS": "example.org"},
        {"STEMCHECK_WORKERS": "-1"},
    ],
)
def test_settings_errors_name_the_variable(env):
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert next(iter(env)) in str(info.value)


def test_openapi_response_examples_are_what_the_api_returns():
    # The examples are built from real checks; a rule pack change that alters them must be
    # followed by `python -m api.openapi_examples`.
    from api.openapi_examples import build, stored

    assert stored() == build(), "api/openapi_examples.json is stale: run python -m api.openapi_examples"


def test_openapi_shows_the_real_examples(client):
    from api.openapi_examples import stored

    def without_nulls(value):  # the OpenAPI document leaves out null fields
        if isinstance(value, dict):
            return {k: without_nulls(v) for k, v in value.items() if v is not None}
        return [without_nulls(v) for v in value] if isinstance(value, list) else value

    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, example in stored().items():
        assert schemas[name]["examples"] == [without_nulls(example)], name
