import pytest

from lowrouter_cli.errors import (AuthError, ExitCode, GatewayError, RateLimited, RequestRejected,
                                  RouteUnavailable, error_class_for_status, error_for_code,
                                  parse_error_envelope)


@pytest.mark.parametrize("status, cls, code", [
    (400, RequestRejected, 4), (401, AuthError, 3), (402, RequestRejected, 4), (403, AuthError, 3),
    (404, RequestRejected, 4), (408, GatewayError, 7), (413, RequestRejected, 4), (422, RequestRejected, 4),
    (429, RateLimited, 5), (500, GatewayError, 7), (502, GatewayError, 7), (503, RouteUnavailable, 6),
    (504, GatewayError, 7),
])
def test_status_maps_to_class_and_exit_code(status, cls, code):
    assert error_class_for_status(status) is cls
    assert cls.exit_code == code


def test_codes_inside_a_body():
    assert isinstance(error_for_code(429, "x"), RateLimited)
    assert isinstance(error_for_code("429", "x"), RateLimited)
    assert isinstance(error_for_code("server_error", "x"), GatewayError)
    assert isinstance(error_for_code(None, "x"), GatewayError)


def test_envelope_in_both_shapes_and_garbage():
    ours = {"error": {"code": 503, "message": "m", "metadata": {"error_type": "t"},
                      "availability": {"retryable": False}}, "lowrouter": {"generation_id": "gen-1"}}
    assert parse_error_envelope(ours) == ("m", {"error_type": "t", "availability": {"retryable": False},
                                                "generation_id": "gen-1"})
    assert parse_error_envelope({"error": {"message": "o", "type": "invalid_request_error"}}) == (
        "o", {"error_type": "invalid_request_error"})



@pytest.mark.parametrize("body, expected", [
    (None, (None, {})),
    ([], (None, {})),
    ("x", (None, {})),
    ({"error": 5}, (None, {})),
    ({"error": {"message": 7, "metadata": []}}, (None, {})),
    ({"error": {"message": "   "}}, (None, {})),
    ({"error": "plain words"}, ("plain words", {})),
    ({"error": {"message": "m", "type": 7, "availability": "yes"}}, ("m", {})),
    ({"error": {"message": "m", "metadata": {"error_type": "ours"}, "type": "openai"}},
     ("m", {"error_type": "ours"})),
    ({"lowrouter": {"generation_id": 9}, "error": {"message": "m"}}, ("m", {})),
    ({"lowrouter": {"generation_id": "gen-2"}}, (None, {"generation_id": "gen-2"})),
])
def test_envelope_garbage_is_ignored_field_by_field(body, expected):
    assert parse_error_envelope(body) == expected


def test_one_line_adds_generation_id_and_collapses_newlines():
    error = GatewayError("bad\nthing", generation_id="gen-9")
    assert error.one_line() == "bad thing (generation gen-9)"
    assert ExitCode.INTERRUPTED == 130


def test_codes_inside_a_body_keep_status_and_details():
    limited = error_for_code("429", "slow", generation_id="gen-1", error_type="t")
    assert (type(limited), limited.status, limited.generation_id, limited.error_type) == \
        (RateLimited, 429, "gen-1", "t")
    named = error_for_code("rate_limit_exceeded", "slow")
    assert (type(named), named.status) == (RateLimited, 429)
    failed = error_for_code("502", "upstream", generation_id="gen-2")
    assert (type(failed), failed.status, failed.generation_id) == (GatewayError, 502, "gen-2")
    assert error_for_code("server_error", "x").status is None
    assert error_for_code(True, "x").status is None and type(error_for_code(True, "x")) is GatewayError
    assert error_for_code("²", "x").status is None


def test_error_code_of_any_shape():
    from lowrouter_cli.errors import error_code_of

    assert error_code_of({"error": {"code": 7}}) == 7
    assert error_code_of({"error": "text"}) is None
    for junk in (None, [], "error", 5):
        assert error_code_of(junk) is None
