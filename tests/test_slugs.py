"""Slugs from Chinese, Japanese and Korean titles: readable ASCII, never empty, never garbled."""

import pytest

from tests.test_models import _post


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("我的第一篇博客", "wo-de-di-yi-pian-bo-ke"),
        ("用 Flask 来写个轻博客", "yong-flask-lai-xie-ge-qing-bo-ke"),
        ("日本語のブログを書きました", "nihongo-no-burogu-wo-kaki-mashita"),
        ("こんにちは世界", "konnichiha-sekai"),
        ("東京タワーへ行く", "toukyou-tawaa-he-iku"),
        ("서울 여행기", "seoul-yeohaenggi"),
        ("안녕하세요 Flask", "annyeonghaseyo-flask"),
    ],
)
def test_cjk_titles_get_readable_slugs(ctx, make_user, title, slug):
    assert _post(title, make_user(roles=("author",)).id).slug == slug


@pytest.mark.parametrize("title", ["😀🎉", "！？。", "\u3000"])
def test_titles_with_nothing_to_romanise_still_get_a_slug(ctx, make_user, title):
    author = make_user(roles=("author",))
    first, second = _post(title, author.id), _post(title, author.id)
    assert first.slug == "post" and second.slug == "post-2"
