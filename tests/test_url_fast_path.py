"""urls.plain_origin reads plain URLs without urllib3 (so commands that send nothing never import
it): wherever it answers, urllib3's reading must be the same, and it must not answer for URLs
urllib3 would refuse or read differently."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from lowrouter_cli.urls import Origin, _problem, parsed_problem, plain_origin

PIECES = st.sampled_from(["http", "https", "HTTP", "ftp", "://", ":", "/", ".", "-", "_", "~", "@", "?", "#", "%",
                          "%2e", "[", "]", "::1", "\\", " ", "\t", "a", "Z", "0", "9", "127.0.0.1", "localhost",
                          "65535", "65536", "99999", "00080", "..", "\u00e9", "\x7f", "\u0085"])
URLS = st.lists(PIECES, max_size=12).map("".join)
SHAPED = st.builds(lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
                   st.sampled_from(["http", "https", "HTTPS", "hxxp"]),
                   st.text("aZ09.-_~%@:[]", min_size=0, max_size=12),
                   st.sampled_from(["", ":", ":0", ":80", ":00443", ":65535", ":65536", ":123456"]),
                   st.text("/aZ09.-_~%?#@\\ ", max_size=12))


@settings(max_examples=400, deadline=None)
@given(st.one_of(URLS, SHAPED))
def test_a_plain_origin_is_what_urllib3_reads(url):
    origin = plain_origin(url)
    if origin is not None:
        assert parsed_problem(url, allow_query=False) == (None, origin)
    assert _problem(url, allow_query=True) == parsed_problem(url, allow_query=True)


def test_plain_urls_are_read_without_urllib3_and_the_rest_go_to_it():
    assert plain_origin("https://LowRouter.ai/api/v1") == Origin("https", "lowrouter.ai", 443)
    assert plain_origin("http://127.0.0.1:8080/api/v1") == Origin("http", "127.0.0.1", 8080)
    assert plain_origin("http://localhost:0") == Origin("http", "localhost", 80)  # as urllib3: port 0 is none
    for not_plain in ("http://a@127.0.0.1/", "http://h/?q", "http://h/#f", "http://[::1]/", "HTTP://h/",
                      "http://h:65536/", "http://h./", "http://h/%2e", "https://h:/", "ftp://h/"):
        assert plain_origin(not_plain) is None, not_plain
