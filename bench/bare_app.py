"""The reference: a bare Flask app rendering a Jinja template with a 10-item loop, nothing else."""

from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html><head><title>Bare</title></head><body><main>
{% for item in items %}<article><h2>{{ item.title }}</h2><p>{{ item.summary }}</p></article>
{% endfor %}</main></body></html>"""
ITEMS = [
    {"title": f"Post {n}", "summary": "A short summary of the post, about as long as a real one."} for n in range(10)
]

app = Flask(__name__)
# A loaded template is compiled once and cached, as the blog's templates are.
app.jinja_loader = DictLoader({"index.html": TEMPLATE})


@app.get("/")
def index():
    return render_template("index.html", items=ITEMS)
