"""A pinned route that can't be met (503) says where the model is up, from the cached model list."""


def test_pinned_503_lists_where_the_model_is_up(run_cli, emulator):
    assert run_cli("models").returncode == 0  # fills the cache
    requests_before = len(emulator.state.requests)
    for command in ("chat", "stream"):
        done = run_cli(command, "-m", "anthropic/claude-3.5-haiku", "--region", "eu-central", "--provider",
                       "anthropic", "hi")
        assert done.returncode == 6 and done.stderr.count("\n") == 1, done.stderr
        assert ("(anthropic/claude-3.5-haiku is up at anthropic/us-east, bedrock/eu-central, by the cached "
                "model list; pin one of those with --provider/--region)") in done.stderr
    # only the two chat requests went out: the help came from the cache
    assert [r["path"] for r in emulator.state.requests[requests_before:]] == ["/chat/completions"] * 2


def test_degraded_endpoints_are_not_offered(run_cli):
    run_cli("models")
    done = run_cli("chat", "-m", "openai/gpt-4o-mini", "--region", "eu-central", "hi")
    assert done.returncode == 6
    assert "openai/gpt-4o-mini is up at openai/eu-west, openai/us-east, by the cached" in done.stderr


def test_without_a_cached_list_the_message_is_the_gateways(run_cli):
    done = run_cli("chat", "-m", "anthropic/claude-3.5-haiku", "--region", "eu-central", "--provider",
                   "anthropic", "hi")
    assert done.returncode == 6 and "is up at" not in done.stderr and "cached" not in done.stderr
