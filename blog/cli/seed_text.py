"""Chinese words and sentences for ``manage.py seed --lang zh|mixed``: real topics, not lorem ipsum.

Titles and paragraphs are put together from the lists below, about the same
things the English seed writes about (Flask, queues, databases, deployment)
and everyday life, so that searching the seeded blog in Chinese finds what a
reader would expect. A tenth of the Chinese posts are written in Traditional
characters, as a reader in Taiwan or Hong Kong would.
"""

from __future__ import annotations

import random
from functools import lru_cache

import opencc

ZH_TOPICS = [
    "Flask",
    "Celery",
    "消息队列",
    "数据库索引",
    "全文搜索",
    "中文分词",
    "缓存",
    "单元测试",
    "持续集成",
    "容器部署",
    "日志监控",
    "性能优化",
    "异步任务",
    "接口设计",
    "数据迁移",
    "网络安全",
    "用户认证",
    "前端框架",
    "读书笔记",
    "旅行见闻",
    "家常菜",
    "摄影技巧",
    "跑步训练",
    "时间管理",
]
ZH_VERBS = [
    "浅谈",
    "深入理解",
    "从零开始学",
    "我是如何优化",
    "一周学会",
    "重新认识",
    "踩坑记录：",
    "聊聊",
    "实战",
    "关于",
]
ZH_SENTENCES = [
    "第一个版本在我的笔记本上运行得很好，一上线就出了问题。",
    "后来才发现，大部分时间都花在了数据库查询上。",
    "后台任务应该只接收编号，而不是整个对象。",
    "改动之前先测量，改完之后再测量一次。",
    "消息队列本身没有问题，是工作进程悄悄停了。",
    "我们先写了测试，它因为正确的原因失败了。",
    "同一个事务里写入的数据不会丢失。",
    "看日志比看任何仪表盘都更能说明问题。",
    "函数短小、名字诚实，代码评审就会很快。",
    "迁移在空表上只要几秒钟，在大表上却跑了几个小时。",
    "缓存确实有帮助，直到两个进程对缓存的内容意见不一。",
    "中文没有空格，所以搜索之前要先把句子切成词语。",
    "周末去了趟杭州，西湖边的茶馆很安静，适合读书。",
    "今天天气很好，我们在公园里跑了五公里。",
    "红烧肉要小火慢炖，糖色炒好了颜色才漂亮。",
    "拍夜景的时候，三脚架比昂贵的镜头更重要。",
    "每天早上留出一个小时不看手机，效率高了很多。",
    "部署脚本越简单，凌晨出故障的时候越容易排查。",
    "用户登录失败太多次，就应该暂时限制这个地址。",
    "索引建得好，查询从两秒降到了二十毫秒。",
]


def zh_title(rng: random.Random) -> str:
    """Return a Chinese title such as 深入理解消息队列."""
    return f"{rng.choice(ZH_VERBS)}{rng.choice(ZH_TOPICS)}"


def zh_markdown_body(rng: random.Random) -> str:
    """Return a Chinese Markdown body: paragraphs, a heading, sometimes code and a list."""
    parts = [_paragraph(rng), f"## {rng.choice(ZH_TOPICS)}实践", _paragraph(rng)]
    if rng.random() < 0.4:
        parts.append("```python\n@shared_task\ndef send_reminder(reminder_id):\n    ...\n```")
    if rng.random() < 0.4:
        parts.append("- 先测量\n- 只改一处\n- 再测量")
    parts.append(f"想了解更多关于*{rng.choice(ZH_TOPICS)}*的内容，请看[文档](https://example.org/docs)。")
    body = "\n\n".join(parts)
    return to_traditional(body) if rng.random() < 0.1 else body


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")  # loading its dictionaries takes a third of a second


def to_traditional(text: str) -> str:
    """Return ``text`` in Traditional characters."""
    return _converter().convert(text)


def _paragraph(rng: random.Random) -> str:
    return "".join(rng.sample(ZH_SENTENCES, rng.randint(2, 5)))
