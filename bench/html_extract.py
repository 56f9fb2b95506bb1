"""trafilatura against readability-lxml on Arabic news pages built from the shared articles.

Each newspaper article of ../shared/eval/newspapers (and each SPA release) is put inside the markup of a news site, in
three templates: a semantic page (nav, <article>, aside of related stories, share buttons, comments, footer), a
div soup (class names only, the sidebar before the story, an inline `اقرأ أيضاً` box and a photo caption inside the
body) and a portal page (long related-story lists and long reader comments, all right-to-left). The furniture is
Arabic too, as on real sites, so a language filter cannot tell it apart.

Per extractor and template: pages whose headline is extracted exactly, body paragraphs found (share of the article's
paragraphs contained in the extracted text, whitespace aside), and pages with any furniture in the text. readability
is optional (not a dependency of arsum): its rows are skipped when it is not installed.

  python bench/html_extract.py [--limit N]
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
_WS = re.compile(r"\s+")

NAV = ["الرئيسية", "محليات", "اقتصاد", "رياضة", "ثقافة وفنون", "منوعات", "كتاب وآراء"]
RELATED = [
    "أمير المنطقة يدشن مشروعات تنموية بتكلفة تتجاوز مليار ريال في المحافظات",
    "وزارة الصحة تعلن خطة لتطوير المستشفيات الطرفية خلال العام المقبل",
    "الهلال يتعاقد مع مدافع دولي لتعزيز صفوفه قبل انطلاق الموسم الجديد",
    "ارتفاع مؤشر سوق الأسهم السعودية في ختام تعاملات الأسبوع بدعم من قطاع المصارف",
]
COMMENTS = [
    "الله يوفقهم ويعينهم على خدمة الوطن والمواطن، ونتمنى أن نرى مثل هذه المشاريع في جميع مناطق المملكة دون استثناء.",
    "للأسف الخبر ناقص ولم يذكر التفاصيل المهمة التي تهم المواطن البسيط، نأمل من الصحيفة متابعة الموضوع ونشر المستجدات.",
]
SHARE = ["شارك على فيسبوك", "غرد على تويتر", "أرسل عبر واتساب"]
FOOTER = "جميع الحقوق محفوظة لمؤسسة الصحيفة للصحافة والنشر 2015"
FURNITURE = [RELATED[0], RELATED[1], COMMENTS[0], COMMENTS[1], FOOTER, SHARE[0]]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def semantic(head: str, paras: list[str]) -> str:
    nav = "".join(f'<li><a href="/s/{k}">{_esc(n)}</a></li>' for k, n in enumerate(NAV))
    body = "".join(f"<p>{_esc(p)}</p>" for p in paras)
    related = "".join(f'<li><a href="/n/{k}">{_esc(r)}</a></li>' for k, r in enumerate(RELATED))
    comments = "".join(f'<div class="comment"><span class="who">زائر</span><p>{_esc(c)}</p></div>' for c in COMMENTS)
    share = "".join(f'<a class="share" href="#">{_esc(s)}</a>' for s in SHARE)
    return (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{_esc(head)} | الصحيفة'
            f'</title><meta property="og:title" content="{_esc(head)}"></head><body><header><nav><ul>{nav}</ul></nav>'
            f'</header><main><article><h1>{_esc(head)}</h1><time>2015-08-10</time>{body}</article><div class="share">'
            f'{share}</div><aside><h3>أخبار ذات صلة</h3><ul>{related}</ul></aside><section class="comments">'
            f'<h3>التعليقات</h3>{comments}</section></main><footer><p>{_esc(FOOTER)}</p></footer></body></html>')


def div_soup(head: str, paras: list[str]) -> str:
    nav = " | ".join(f'<a href="/s/{k}">{_esc(n)}</a>' for k, n in enumerate(NAV))
    side = "".join(f'<div class="item"><a href="/n/{k}">{_esc(r)}</a></div>' for k, r in enumerate(RELATED))
    mid = len(paras) // 2
    inline = f'<div class="read-also">اقرأ أيضاً: <a href="/n/9">{_esc(RELATED[2])}</a></div>'
    caption = '<div class="photo"><img src="/p.jpg" alt=""><span class="caption">من الحدث (تصوير: الصحيفة)</span></div>'
    body = "".join(f"<div class='para'>{_esc(p)}</div>" for p in paras[:mid]) + inline + caption + "".join(
        f"<div class='para'>{_esc(p)}</div>" for p in paras[mid:])
    comments = "".join(f'<div class="cmt">{_esc(c)}</div>' for c in COMMENTS)
    return (f'<html dir="rtl"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'<title>{_esc(head)}</title></head><body><div id="top">{nav}</div><div class="wrap"><div class="sidebar">'
            f'<div class="title">الأكثر قراءة</div>{side}</div><div class="story"><div class="story-title">{_esc(head)}'
            f'</div><div class="story-body">{body}</div><div class="tools">{" ".join(SHARE)}</div></div>'
            f'<div class="comments-box">{comments}</div></div><div id="foot">{_esc(FOOTER)}</div></body></html>')


def portal(head: str, paras: list[str]) -> str:
    lists = "".join(f'<li><a href="/n/{k}"><h4>{_esc(r)}</h4><p>{_esc(r)} في تقرير موسع</p></a></li>'
                    for k, r in enumerate(RELATED * 2))
    body = "".join(f'<p dir="rtl">{_esc(p)}</p>' for p in paras)
    comments = "".join(f'<li class="comment"><p>{_esc(c)} {_esc(c)}</p></li>' for c in COMMENTS)
    return (f'<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>الصحيفة - {_esc(head)}</title>'
            f'<meta name="author" content="محرر الصحيفة"></head><body dir="rtl"><div class="menu">'
            f'{"".join(f"<span>{_esc(n)}</span>" for n in NAV)}</div><div class="content"><h1 class="headline">'
            f'{_esc(head)}</h1><div class="meta">نشر في 10 أغسطس 2015</div><div class="text">{body}</div>'
            f'<div class="social">{" ".join(SHARE)}</div></div><div class="more"><h3>اقرأ المزيد</h3><ul>{lists}'
            f'</ul></div><ol class="comments">{comments}</ol><footer>{_esc(FOOTER)}</footer></body></html>')


TEMPLATES: dict[str, Callable[[str, list[str]], str]] = {"semantic": semantic, "div soup": div_soup, "portal": portal}


def trafilatura_extract(page: str) -> tuple[str | None, str]:
    from arsum.text.html import extract_article

    try:
        art = extract_article(page, "page")
    except Exception:  # noqa: BLE001 - an extractor that finds nothing scores nothing
        return None, ""
    return art.title, art.text


def readability_extract(page: str) -> tuple[str | None, str]:
    import lxml.html
    from readability import Document

    doc = Document(page)
    summary = doc.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return (doc.short_title() or None), text


def articles(limit: int) -> list[tuple[str, list[str]]]:
    out = []
    for folder in ("newspapers", "spa"):
        for path in sorted((EVAL / folder).glob("*.txt"))[:limit]:
            lines = path.read_text(encoding="utf-8").split("\n")
            paras = [ln.strip() for ln in lines[2:] if ln.strip() and len(ln.split()) >= 4]
            if paras:
                out.append((lines[0].strip().split(" / ", 1)[-1], paras))
    return out


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=1000, help="articles per folder")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    extractors: dict[str, Callable[[str], tuple[str | None, str]]] = {"trafilatura": trafilatura_extract}
    try:
        import readability  # noqa: F401
        extractors["readability-lxml"] = readability_extract
    except ImportError:
        print("readability-lxml not installed: its rows are skipped")
    arts = articles(args.limit)
    print(f"{len(arts)} articles x {len(TEMPLATES)} templates; load average {os.getloadavg()}")
    print("| extractor | template | headline exact | body paragraphs found | pages with furniture | ms/page |")
    print("|---|---|---|---|---|---|")
    for name, extract in extractors.items():
        for tname, template in TEMPLATES.items():
            titles = found = total = dirty = 0
            spent = 0.0
            for head, paras in arts:
                page = template(head, paras)
                t0 = time.perf_counter()
                title, text = extract(page)
                spent += time.perf_counter() - t0
                flat = _squash(text)
                titles += _squash(title or "") == _squash(head)
                found += sum(_squash(p) in flat for p in paras)
                total += len(paras)
                dirty += any(f in flat for f in FURNITURE)
            n = len(arts)
            print(f"| {name} | {tname} | {titles}/{n} ({100 * titles / n:.1f}%) | {found}/{total} "
                  f"({100 * found / total:.1f}%) | {dirty}/{n} ({100 * dirty / n:.1f}%) | {1000 * spent / n:.1f} |")


if __name__ == "__main__":
    main()
