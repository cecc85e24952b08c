"""Reading time on the post and in lists; the excerpt in lists is the first paragraph as text."""

import re

from blog.markdown import render_post


def test_reading_time_counts_about_two_hundred_words_a_minute():
    assert render_post("word " * 10).reading_minutes == 1
    assert render_post("word " * 200).reading_minutes == 1
    assert render_post("word " * 201).reading_minutes == 2
    assert render_post("\n\n".join(["word " * 300, "```python\n" + "x = 1\n" * 150 + "```"])).reading_minutes == 3


def test_the_excerpt_is_the_first_paragraph_not_a_flattened_table_or_code():
    text = "\n\n".join(
        [
            "# Title",
            "[TOC]",
            "| col | umn |\n|---|---|\n| cell | data |",
            "```python\nprint('code')\n```",
            "- a list item",
            "The *first* real paragraph with `code`,\n"
            "a [link](https://x.org) and ![img](https://x.org/i.png) a note[^1].",
            "A second paragraph.",
            "[^1]: The note.",
        ]
    )
    assert render_post(text).summary == "The first real paragraph with code, a link and a note."


def test_a_long_first_paragraph_is_cut_at_a_word():
    summary = render_post("lorem ipsum " * 100).summary
    assert summary.endswith("…") and len(summary) <= 281 and not summary[:-1].endswith(" ")


def test_no_paragraph_gives_an_empty_excerpt():
    assert render_post("```\ncode only\n```").summary == ""


def test_reading_time_shows_on_the_post_and_in_lists(client, make_post, make_user):
    author = make_user("reader1", roles=("author",))
    post = make_post("Long read", author=author, body="First paragraph.\n\n" + "word " * 1000, tags=["t"])
    for url in ("/", "/tag/t", "/user/reader1"):
        page = client.get(url).get_data(as_text=True)
        card = page.split('<article class="post-summary">')[1]
        assert '<span class="reading-time">6 min read</span>' in card, url
        assert re.search(r'<p class="summary">First paragraph\.</p>', card), url
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    assert '<span class="reading-time">6 min read</span>' in page.split('<div class="post-body">')[0]
