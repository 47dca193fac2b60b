"""Entity tags and the conditional headers' comparisons (RFC 9110 §13.1)."""

import pytest

from inkwell.core.etag import etag, match, none_match

CURRENT = etag("post", 1, 3, 7)


def test_a_tag_names_its_parts_exactly() -> None:
    assert etag("post", 1, 3, 7) == CURRENT
    assert CURRENT.startswith('"')
    assert CURRENT.endswith('"')
    assert len({etag("post", 1, 3, 7), etag("post", 1, 4, 7), etag("post", 1, 3, 8)}) == 3
    assert etag("user", 1, 2, "public") != etag("user", 1, 2, "private")
    assert etag("post", 13, 1) != etag("post", 1, 31)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        (CURRENT, True),
        (f"W/{CURRENT}", True),
        (f'"other", {CURRENT}', True),
        ("*", True),
        ('"other"', False),
        ("", False),
        ("garbage", False),
        (CURRENT[:-1], False),
    ],
)
def test_if_none_match_is_a_weak_comparison(header: str | None, expected: bool) -> None:
    assert none_match(header, CURRENT) is expected


@pytest.mark.parametrize(
    ("header", "current", "expected"),
    [
        (None, CURRENT, True),
        (None, None, True),
        (CURRENT, CURRENT, True),
        (f'"a", {CURRENT}', CURRENT, True),
        (f"W/{CURRENT}", CURRENT, False),
        ('"a"', CURRENT, False),
        ("*", CURRENT, True),
        ("*", None, False),
        (CURRENT, None, False),
        ("garbage", CURRENT, False),
    ],
)
def test_if_match_is_a_strong_comparison(
    header: str | None, current: str | None, expected: bool
) -> None:
    assert match(header, current) is expected
