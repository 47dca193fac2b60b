"""posts/slugs.py: a title made URL-safe."""

import pytest

from inkwell.posts import slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("How to train your dragon", "how-to-train-your-dragon"),
        ("  Café au lait, s'il vous plaît!  ", "cafe-au-lait-s-il-vous-plait"),
        ("C++ & Rust: 2 languages", "c-rust-2-languages"),
        ("日本語のタイトル", "post"),
        ("---", "post"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugs.slugify(title) == slug


def test_a_long_title_is_cut_at_a_word_boundary_of_dashes() -> None:
    slug = slugs.slugify("word " * 100)
    assert len(slug) <= slugs.MAX_BASE
    assert not slug.endswith("-")


def test_candidates_start_with_the_base_then_add_suffixes() -> None:
    first, *others = slugs.candidates("Hello World", published=True)
    assert first == "hello-world"
    assert len(others) == slugs.ATTEMPTS - 1
    assert all(o.startswith("hello-world-") and len(o) == len(first) + 7 for o in others)
    assert len(set(others)) == len(others)


def test_a_drafts_candidates_all_have_suffixes() -> None:
    drafts = list(slugs.candidates("Hello World", published=False))
    assert len(drafts) == slugs.ATTEMPTS
    assert all(d.startswith("hello-world-") and len(d) == len("hello-world") + 7 for d in drafts)
