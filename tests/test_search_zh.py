"""Search in Chinese: segmented words, mixed Latin text, Traditional and Simplified, title before body."""

import pytest

from tests.test_read_search import _titles

POST = "我的博客系统使用Flask和Celery。今天天气很好，我们讨论消息队列。"


@pytest.mark.parametrize("query", ["博客", "博客系统", "消息队列", "天气", "Flask", "celery", "我的博客"])
def test_chinese_words_find_the_post(client, make_post, query):
    make_post("一篇文章", body=POST)
    make_post("另一篇", body="完全无关的内容，讨论烹饪。")
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert _titles(page) == ["一篇文章"], f"{query!r} should find only the post that contains it"


def test_snippet_highlights_the_chinese_word(client, make_post):
    make_post("一篇文章", body=POST + " <b>不要</b>")
    page = client.get("/search", query_string={"q": "消息队列"}).get_data(as_text=True)
    snippet = page.split('class="snippet">')[1].split("</p>")[0]
    assert "<mark>消息</mark>" in snippet and "<mark>队列</mark>" in snippet
    assert "<b" not in snippet and "&lt;b" in snippet


def test_title_matches_rank_above_body_matches(client, make_post):
    make_post("关于烹饪", body="今天我们也聊一聊数据库。")
    make_post("数据库入门", body="索引和查询。")
    page = client.get("/search", query_string={"q": "数据库"}).get_data(as_text=True)
    assert _titles(page) == ["数据库入门", "关于烹饪"]


@pytest.mark.parametrize(
    ("title", "body", "query"),
    [("繁體文章", "我們討論數據庫與訊息。", "数据库"), ("简体文章", "我们讨论数据库和消息。", "數據庫")],
)
def test_traditional_and_simplified_find_each_other(client, make_post, title, body, query):
    make_post(title, body=body)
    page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert _titles(page) == [title]
    assert "<mark>" in page.split('class="snippet">')[1].split("</p>")[0]


def test_a_quoted_chinese_phrase_must_be_contiguous(client, make_post):
    make_post("相邻", body="我们讨论消息队列。")
    make_post("分开", body="队列里没有新的消息。")
    page = client.get("/search", query_string={"q": '"消息队列"'}).get_data(as_text=True)
    assert _titles(page) == ["相邻"]
