"""503 and Retry-After rules against the emulator: a plain 503 is a gateway failure retried like a
502; only a pinned request or a body naming `availability` is about the route; a wait longer than
20 s is not waited out; `retry-after-ms` wins over `Retry-After`."""

import datetime

import pytest

from lowrouter_cli.errors import GatewayError, RateLimited, RouteUnavailable
from lowrouter_cli.transport import Transport, server_wait

from conftest import TEST_KEY

BODY = {"model": "lowrouter/auto", "messages": [{"role": "user", "content": "hi"}]}
PINNED = dict(BODY, route={"region": "eu-west"})
NOW = 1_800_000_000.0


@pytest.fixture
def transport(emulator):
    sleeps = []
    transport = Transport(emulator.base_url, TEST_KEY, sleep=sleeps.append, wall_clock=lambda: NOW,
                          jitter=lambda: 0.0)
    transport.sleeps = sleeps
    yield transport
    transport.close()


def test_plain_503_is_retried_honouring_retry_after(transport, emulator):
    emulator.push_faults("503 plain retry_after=3", "ok")
    assert transport.post_json("chat/completions", BODY).status == 200
    assert transport.sleeps == [3.0]


def test_plain_503_after_retries_is_a_gateway_failure(transport, emulator):
    emulator.push_faults("503 plain", "503 plain", "503 plain")
    with pytest.raises(GatewayError) as info:
        transport.post_json("chat/completions", BODY)
    assert info.value.exit_code == 7 and len(transport.sleeps) == 2 and len(emulator.chat_requests()) == 3


def test_503_to_a_pinned_request_is_the_route_and_not_retried(transport, emulator):
    emulator.push_faults("503 plain retry_after=1")
    with pytest.raises(RouteUnavailable):
        transport.post_json("chat/completions", PINNED)
    assert transport.sleeps == [] and len(emulator.chat_requests()) == 1


def test_503_naming_availability_is_the_route_even_unpinned(transport, emulator):
    emulator.push_faults("503 retryable=false")
    with pytest.raises(RouteUnavailable):
        transport.post_json("chat/completions", BODY)
    assert transport.sleeps == []


@pytest.mark.parametrize("fault, seconds", [("429 retry_after=30", 30), ("503 plain retry_after=120", 120),
                                            ("429 retry_after=1 retry_after_ms=25000", 25)])
def test_a_wait_over_20_s_is_exit_5_at_once_saying_when(transport, emulator, fault, seconds):
    emulator.push_faults(fault, "ok")
    with pytest.raises(RateLimited) as info:
        transport.post_json("chat/completions", BODY)
    when = datetime.datetime.fromtimestamp(NOW + seconds).astimezone().strftime("%H:%M:%S")
    assert f"asks to wait {seconds} s, longer than lowrouter waits (20 s); retry after {when}" in info.value.message
    assert info.value.exit_code == 5 and transport.sleeps == [] and len(emulator.chat_requests()) == 1


def test_retry_after_ms_is_used_when_present(transport, emulator):
    emulator.push_faults("429 retry_after=5 retry_after_ms=1500", "ok")
    assert transport.post_json("chat/completions", BODY).status == 200
    assert transport.sleeps == [1.5]


def test_server_wait_reads_both_headers():
    assert server_wait({"retry-after-ms": "250", "Retry-After": "9"}, NOW) == 0.25
    assert server_wait({"retry-after-ms": "soon", "Retry-After": "9"}, NOW) == 9
    assert server_wait({"retry-after-ms": "-1", "Retry-After": "600"}, NOW) == 600
    assert server_wait({}, NOW) is None


def test_plain_503_through_the_cli_is_exit_7(run_cli):
    result = run_cli("chat", "hi [[fault:503 plain retry_after=0]]")
    assert result.returncode == 7 and result.stdout == ""
    assert result.stderr.count("retrying") == 2 and "Every endpoint is down" in result.stderr.splitlines()[-1]
