"""Web pages and URLs: .html files, --input-format html, http(s):// inputs served from 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from arsum.errors import InputError
from arsum.text.html import looks_like_html
from arsum.text.inputs import load_releases
from arsum.text.web import MAX_REDIRECTS, fetch

HEAD = "البلدية تفتتح حديقة جديدة في حي الورود"
PARAS = [
    "افتتحت البلدية اليوم حديقة جديدة في حي الورود بمساحة عشرة آلاف متر مربع.",
    "وتضم الحديقة ملاعب للأطفال وممرات للمشي ومسطحات خضراء واسعة ومواقف للسيارات.",
    "وقال رئيس البلدية إن الحديقة جزء من خطة تشمل عشرين حديقة في أحياء المدينة خلال العام المقبل.",
]
RELATED = "وزير التعليم يفتتح مدرسة جديدة في الرياض"
COMMENT = "مقال رائع جدا شكرا للكاتب على هذا الطرح المميز"


def page(head: str = HEAD, paras: list[str] = PARAS) -> str:
    """An Arabic article inside the markup of a news site: navigation, share buttons, related stories, comments."""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{head} | صحيفة المدينة</title>'
        f'<meta property="og:title" content="{head}"></head><body>'
        '<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/s">رياضة</a></li><li><a href="/e">اقتصاد</a></li></ul></nav>'
        f'<main><article><h1>{head}</h1>{body}</article>'
        '<div class="share"><a href="#">فيسبوك</a> <a href="#">تويتر</a></div>'
        f'<aside><h3>أخبار ذات صلة</h3><ul><li><a href="/r1">{RELATED}</a></li></ul></aside>'
        f'<section class="comments"><h3>التعليقات</h3><div class="comment"><p>{COMMENT}</p></div></section></main>'
        "<footer>جميع الحقوق محفوظة 2016</footer></body></html>"
    )


PLAIN = f"{HEAD}\n\n" + "\n".join(PARAS) + "\n"


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {
        "/article.html": (200, "text/html; charset=utf-8", page().encode("utf-8")),
        "/release.txt": (200, "text/plain; charset=utf-8", PLAIN.encode("utf-8")),
        "/report.pdf": (200, "application/pdf", b"%PDF-1.4"),
        "/empty.html": (200, "text/html", b"<!DOCTYPE html><html><head><title>t</title></head><body><script>var a = 1;</script></body></html>"),
        "/big.html": (200, "text/html", page(paras=PARAS * 400).encode("utf-8")),
    }

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(3)
        status, kind, data = self.routes.get(self.path, (404, "text/html", b"<html>not found</html>"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("ARSUM_OFFLINE", raising=False)


def one(items: list) -> object:
    (item,) = items
    return item


@pytest.mark.usefixtures("online")
@pytest.mark.parametrize(
    ("path", "title", "problem"),
    [
        ("/article.html", HEAD, None),
        ("/moved", HEAD, None),
        ("/release.txt", HEAD, None),
        ("/missing", None, "HTTP 404"),
        ("/loop", None, f"more than {MAX_REDIRECTS} redirects"),
        ("/report.pdf", None, "not a web page or text (content type application/pdf)"),
        ("/empty.html", None, "no article text found in the page"),
        ("/big.html", None, "above the --max-bytes limit"),
    ],
)
def test_url_inputs(server: str, path: str, title: str | None, problem: str | None) -> None:
    url = server + path
    item = one(list(load_releases([url], max_bytes=100_000)))
    if problem is None:
        assert item.title == title and item.id == f"{url}#1" and item.source == url
        assert [s.text for s in item.sentences] == PARAS
    else:
        assert isinstance(item, InputError) and item.source == url
        assert problem in item.problem and "\n" not in str(item)


@pytest.mark.usefixtures("online")
def test_fetch_times_out(server: str) -> None:
    with pytest.raises(InputError, match="timed out"):
        fetch(server + "/slow", max_bytes=100_000, timeout=0.5, connect_timeout=0.5)


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "ARSUM_OFFLINE"])
def test_offline_refuses_to_fetch(server: str, var: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv(var, "1")
    item = one(list(load_releases([server + "/article.html"])))
    assert isinstance(item, InputError) and f"{var} is set" in item.problem


def test_page_text_leaves_the_site_furniture_behind(tmp_path: Path) -> None:
    path = tmp_path / "saved.html"
    path.write_text(page(), encoding="utf-8")
    release = one(list(load_releases([str(path)])))
    assert release.title == HEAD
    text = "\n".join(release.paragraphs)
    for furniture in (RELATED, COMMENT, "فيسبوك", "الرئيسية", "جميع الحقوق"):
        assert furniture not in text


@pytest.mark.parametrize(
    ("name", "data", "html"),
    [
        ("a.html", b"no markup at all", True),
        ("a.HTM", b"", True),
        ("a.txt", b"<!DOCTYPE html><html><body></body></html>", True),
        ("a.txt", b"\xef\xbb\xbf  <html lang='ar'>", True),
        ("a.txt", b"<!-- saved --> <html>", True),
        ("a.txt", "عنوان <b>عريض</b>\n\nنص.".encode(), False),
        ("stdin", b"plain text", False),
    ],
)
def test_pages_are_known_by_name_or_start(name: str, data: bytes, html: bool) -> None:
    assert looks_like_html(name, data) is html


def _cli(*args: str, input: str | None = None, offline: bool = False) -> subprocess.CompletedProcess[str]:  # noqa: A002
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "ARSUM_OFFLINE")}
    if offline:
        env["ARSUM_OFFLINE"] = "1"
    return subprocess.run([sys.executable, "-m", "arsum", "summarize", "--no-english", "-f", "jsonl", *args],
                          capture_output=True, text=True, timeout=120, input=input, env=env, check=False)


def test_cli_reads_a_url_a_page_on_stdin_and_says_what_failed(server: str, tmp_path: Path) -> None:
    done = _cli(server + "/article.html", server + "/missing")
    assert done.returncode == 1
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["title"] == HEAD and record["sentences"] == len(PARAS)
    assert done.stderr.strip().splitlines()[-1] == f"arsum: {server}/missing: HTTP 404 Not Found"
    piped = _cli("--input-format", "html", "-", input=page())
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["title"] == HEAD
    refused = _cli(server + "/article.html", offline=True)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "ARSUM_OFFLINE is set" in refused.stderr and "Traceback" not in refused.stderr


def test_a_paragraph_seen_on_an_earlier_page_is_kept(tmp_path: Path) -> None:
    """A story republished by another site keeps its text (no cross-page de-duplication)."""
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(page(), encoding="utf-8")
    found = list(load_releases([str(tmp_path / "a.html"), str(tmp_path / "b.html")]))
    assert [[s.text for s in r.sentences] for r in found] == [PARAS, PARAS]
