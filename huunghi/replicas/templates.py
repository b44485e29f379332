"""HTML, RSS and sitemap rendering for the five replica templates.

The templates copy what the seeds show of each portal: Thời Đại's breadcrumb, time line, "aa"
widget, doubled captions and inline related links, then sidebars longer than the article; a
provincial paper with JSON-LD and one-line captions; a portal with captions in tables.
Sidebars are drawn from ``rng`` so they change on every visit, as they do on the real sites.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from .catalog import PortalCatalog, ReplicaArticle

PAGE_SIZE = 5
FEED_SIZE = 10

SITE_NAMES = {
    "thoidai": "Thời Đại - Tạp chí của Liên hiệp các tổ chức hữu nghị Việt Nam",
    "baotinh": "Báo tỉnh - Cơ quan của Đảng bộ, Chính quyền, Nhân dân tỉnh",
    "quocte": "Báo Quốc tế - Cơ quan ngôn luận của Bộ Ngoại giao",
    "baocu": "Báo Tỉnh Cũ điện tử",
    "tinxua": "Cổng thông tin Hữu nghị tỉnh",
}


def article_path(catalog: PortalCatalog, article: ReplicaArticle) -> str:
    if catalog.layout == "thoidai":
        return f"/huu-nghi/bon-phuong-ket-ban/{article.slug}-{article.id}.html"
    if catalog.layout == "provincial":
        return f"/thoi-su/{article.slug}-{article.id}.htm"
    if catalog.layout == "oldtable":
        return f"/Portals/0/tin/{article.slug}-{article.id}.htm"
    if catalog.layout == "oldcms":
        return f"/tin-tuc/{article.slug}-{article.id}.html"
    return f"/{article.slug}-{article.id}.html"


def listing_path(catalog: PortalCatalog, page: int) -> str:
    base = {
        "thoidai": "/huu-nghi/bon-phuong-ket-ban",
        "provincial": "/thoi-su",
        "tables": "/doi-ngoai-nhan-dan",
        "oldtable": "/thoi-su-doi-ngoai",
        "oldcms": "/huu-nghi",
    }[catalog.layout]
    if page <= 1:
        return base + "/"
    return f"{base}/trang-{page}.htm" if catalog.layout == "provincial" else f"{base}/?page={page}"


def ordered(catalog: PortalCatalog) -> list[ReplicaArticle]:
    return sorted(catalog.articles, key=lambda a: a.published, reverse=True)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _sidebar_pool(catalog: PortalCatalog, exclude: ReplicaArticle | None) -> list[dict[str, str]]:
    """Sidebar items: the seeds' own plus this portal's articles (trap 1: X's lead elsewhere)."""
    own = [{"title": a.title, "summary": a.lead} for a in catalog.articles if a is not exclude]
    return catalog.sidebar_items + own


def _rail(title: str, items: list[dict[str, str]], cls: str, summaries: bool = True) -> str:
    lis = []
    for it in items:
        summary = f'<p class="sapo">{_e(it["summary"])}</p>' if summaries and it["summary"] else ""
        href = "/" + quote(it["title"][:40].replace(" ", "-"))
        lis.append(
            f'<li class="story"><a class="story__thumb" href="{href}.html" title="{_e(it["title"])}">'
            f'<img src="/img/t.jpg" alt="{_e(it["title"])}"></a>'
            f'<h3 class="story__heading"><a href="{href}.html">{_e(it["title"])}</a></h3>{summary}</li>'
        )
    return f'<section class="{cls}"><h2 class="box-title">{_e(title)}</h2><ul>{"".join(lis)}</ul></section>'


def _thoidai_sidebars(catalog: PortalCatalog, article: ReplicaArticle | None, rng: random.Random) -> str:
    pool = _sidebar_pool(catalog, article)
    pick = rng.sample(pool, min(len(pool), 13))
    infos = rng.sample(catalog.infographics, min(5, len(catalog.infographics)))
    vids = rng.sample(catalog.videos, min(8, len(catalog.videos)))
    weather = [
        {
            "title": f"Thời tiết hôm nay ({d}/3): Hà Nội {w}",
            "summary": "Trung tâm dự báo khí tượng "
            f"thủy văn quốc gia đưa ra thông tin dự báo thời tiết ngày {d}/3.",
        }
        for d, w in ((rng.randint(1, 28), "lạnh về sáng sớm và đêm"), (rng.randint(1, 28), "ngày nắng"))
    ]
    info_html = "".join(
        f'<a class="info-item" href="/infographic/{quote(s.replace(" ", "-"))}.html">'
        f'<img src="/img/i.jpg" alt="{_e(s)}" title="{_e(s)}"></a>'
        for s in infos
    )
    video_html = "".join(f'<li><a href="/video/{i}.html">{_e(v)}</a></li>' for i, v in enumerate(vids))
    return (
        _rail("Tin bài liên quan", pick[:3], "box-related")
        + _rail("Các tin bài khác", pick[3:7], "box-other")
        + f'<aside class="sidebar">{_rail("Đọc nhiều", pick[7:13], "box-most-read")}'
        + f'<div class="box-infographic">{info_html}</div>'
        + '<div class="box-video"><div class="loading">Xin chờ trong giây lát...</div>'
        + f'<ul class="video-list">{video_html}</ul></div>'
        + _rail("Thời tiết", weather, "box-weather")
        + "</aside>"
    )


# Per-template markup for each block type; "{n}" numbers images, "{id}" is the article id.
BLOCK_MARKUP: dict[str, dict[str, str]] = {
    "thoidai": {
        "p": "<p>{text}</p>",
        "h": "<h2><strong>{text}</strong></h2>",
        "img": '<figure class="image"><img src="/uploads/{id}/{n}.jpg" alt="{alt}">'
        "<figcaption><p>{caption}</p></figcaption></figure>",
        "related": '<div class="related-inline"><a href="/r.html" title="{text}"><img alt="{text}" '
        'src="/img/r.jpg"></a> <a href="/r.html">{text}</a></div>',
    },
    "provincial": {
        "p": "<p>{text}</p>",
        "h": "<h3>{text}</h3>",
        "img": '<div class="expNoEdit"><img src="/media/{id}-{n}.jpg" alt="">'
        '<p class="expCaption">{caption}</p></div>',
    },
    "tables": {
        "p": "<p>{text}</p>",
        "h": "<p><strong>{text}</strong></p>",
        "img": '<table class="picture" align="center"><tbody><tr><td><img src="/data/{id}/{n}.jpg" alt="">'
        '</td></tr><tr><td class="caption">{caption}</td></tr></tbody></table>',
    },
}


def _blocks(layout: str, article: ReplicaArticle) -> str:
    """The article body in one template's markup (block types a template lacks are skipped)."""
    markup = BLOCK_MARKUP[layout]
    out = []
    for n, b in enumerate(article.blocks):
        if b["type"] in markup:
            out.append(
                markup[b["type"]].format(
                    id=article.id,
                    n=n,
                    text=_e(b.get("text", "")),
                    alt=_e(b.get("alt", "")),
                    caption=_e(b.get("caption", "")),
                )
            )
    return "".join(out)


def _head(catalog: PortalCatalog, title: str, canonical: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{_e(title)} | {_e(SITE_NAMES[catalog.name])}</title>"
        f'<link rel="canonical" href="{_e(canonical)}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{extra}'
        '<link rel="alternate" type="application/rss+xml" href="/rss/home.rss"></head><body>'
    )


def _nav(catalog: PortalCatalog) -> str:
    items = ["Thời sự", "Hữu nghị", "Đối ngoại nhân dân", "Kinh tế", "Văn hóa", "Du lịch", "Multimedia"]
    lis = "".join(f'<li><a href="/{i}.html">{_e(i)}</a></li>' for i in items)
    return (
        f'<header class="site-header"><a class="logo" href="/">{_e(SITE_NAMES[catalog.name])}</a>'
        f'<nav class="main-menu"><ul>{lis}</ul></nav></header>'
    )


def _footer(catalog: PortalCatalog) -> str:
    return (
        f'<footer class="site-footer"><p>{_e(SITE_NAMES[catalog.name])}</p>'
        "<p>Giấy phép hoạt động báo chí số 123/GP-BTTTT. "
        "Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>"
        '<a class="mobile" href="/?m=1">Phiên bản di động</a></footer></body></html>'
    )


def render_article(catalog: PortalCatalog, article: ReplicaArticle, base: str, rng: random.Random) -> str:
    canonical = base + article_path(catalog, article)
    if catalog.layout == "thoidai":
        return _render_thoidai(catalog, article, canonical, rng)
    if catalog.layout == "provincial":
        return _render_provincial(catalog, article, canonical, rng)
    if catalog.layout == "oldtable":
        return _render_oldtable(catalog, article, canonical, rng)
    if catalog.layout == "oldcms":
        return _render_oldcms(catalog, article, canonical, rng)
    return _render_tables(catalog, article, canonical, rng)


def _render_thoidai(catalog: PortalCatalog, a: ReplicaArticle, canonical: str, rng: random.Random) -> str:
    when = a.published.strftime("%H:%M | %d/%m/%Y") + " GMT+7"
    crumbs = "".join(f'<li><a href="/{_e(s)}.html">{_e(s)}</a></li>' for s in a.section)
    top = "".join(f'<li><a href="/t{i}.html">{_e(t)}</a></li>' for i, t in enumerate(a.top_related))
    meta = f'<meta property="og:title" content="{_e(a.title)}"><meta property="og:type" content="article">'
    return (
        _head(catalog, a.title, canonical, meta)
        + _nav(catalog)
        + '<main class="container"><div class="detail">'
        + f'<ul class="breadcrumb"><li><a href="/">Trang chủ</a></li>{crumbs}</ul>'
        + f'<span class="post-time">{when}</span>'
        + f'<h1 class="post-title">{_e(a.title)}</h1>'
        + '<div class="font-tools"><a class="font-size">aa</a></div>'
        + f'<div class="post-sapo">{_e(a.lead)}</div>'
        + (f'<ul class="related-top">{top}</ul>' if top else "")
        + f'<div class="post-content">{_blocks("thoidai", a)}</div>'
        + f'<p class="post-author">{_e(a.author)}</p><p class="post-source">Nguồn: {_e(a.credit)}</p>'
        + "</div>"
        + _thoidai_sidebars(catalog, a, rng)
        + "</main>"
        + _footer(catalog)
    )


def _render_provincial(catalog: PortalCatalog, a: ReplicaArticle, canonical: str, rng: random.Random) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published.isoformat(),
        "author": {"@type": "Person", "name": a.author},
        "mainEntityOfPage": canonical,
    }
    meta = f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    pool = _sidebar_pool(catalog, a)
    pick = rng.sample(pool, min(len(pool), 12))
    latest = "".join(
        f'<li><a href="/x{i}.htm">{_e(it["title"])}</a><span class="time">'
        f"{rng.randint(1, 59)} phút trước</span></li>"
        for i, it in enumerate(pick[6:12])
    )
    return (
        _head(catalog, a.title, canonical, meta)
        + _nav(catalog)
        + '<div class="wrapper"><div class="col-main"><article class="detail-article">'
        + f'<div class="cate"><a href="/thoi-su/">{_e(a.section[0])}</a></div>'
        + f'<h1 class="title-detail">{_e(a.title)}</h1>'
        + f'<div class="meta"><span class="date">{a.published.strftime("%d/%m/%Y %H:%M")}</span>'
        + '<span class="share">Chia sẻ</span></div>'
        + f'<h2 class="sapo">{_e(a.lead)}</h2>'
        + f'<div class="detail-content">{_blocks("provincial", a)}</div>'
        + f'<p class="author"><strong>{_e(a.author)}</strong></p>'
        + "</article>"
        + _rail("Tin liên quan", pick[:3], "related-news")
        + '</div><div class="col-side">'
        + f'<section class="latest"><h2>Tin mới nhất</h2><ul>{latest}</ul></section>'
        + _rail("Xem nhiều", pick[3:6], "most-viewed", summaries=False)
        + "</div></div>"
        + _footer(catalog)
    )


def _render_tables(catalog: PortalCatalog, a: ReplicaArticle, canonical: str, rng: random.Random) -> str:
    meta = (
        f'<meta property="article:published_time" content="{a.published.isoformat()}">'
        f'<meta name="description" content="{_e(a.lead)}">'
    )
    body = f'<p class="sapo"><strong>{_e(a.lead)}</strong></p>' + _blocks("tables", a)
    pool = _sidebar_pool(catalog, a)
    pick = rng.sample(pool, min(len(pool), 14))
    vids = rng.sample(catalog.videos, min(6, len(catalog.videos)))

    def simple(title: str, items: list[dict[str, str]]) -> str:
        lis = "".join(f'<li><a href="/s{i}.html">{_e(it["title"])}</a></li>' for i, it in enumerate(items))
        return f'<div class="box"><h3>{_e(title)}</h3><ul>{lis}</ul></div>'

    credit = f'<p class="credit">{_e(a.credit)}</p>' if a.credit else ""
    return (
        _head(catalog, a.title, canonical, meta)
        + _nav(catalog)
        + '<div id="main"><div class="article">'
        + f'<div class="article__cate"><a href="/doi-ngoai-nhan-dan/">{_e(a.section[0])}</a></div>'
        + f'<h1 class="article__title">{_e(a.title)}</h1>'
        + f'<div class="article__meta"><span class="author">{_e(a.author)}</span>'
        + f'<span class="time">{a.published.strftime("%d/%m/%Y %H:%M")}</span></div>'
        + f'<div class="article__body">{body}</div>{credit}</div>'
        + simple("Tin bài liên quan", pick[:3])
        + simple("Các tin bài khác", pick[3:7])
        + simple("Đọc nhiều", pick[7:11])
        + simple("Bờ cõi biển đảo", pick[11:14])
        + simple("Multimedia", [{"title": v, "summary": ""} for v in vids])
        + "</div>"
        + _footer(catalog)
    )


def _render_oldtable(catalog: PortalCatalog, a: ReplicaArticle, canonical: str, rng: random.Random) -> str:
    """An old provincial paper: nested class-less tables, the headline in a cell's <h2>, no h1 and
    no og:title, an "updated at" line, a box of four teaser cells (a sibling's title and lead,
    rotating per visit) that sits in the same kind of cell as the body, and a list of titles."""
    site = SITE_NAMES[catalog.name]
    pool = _sidebar_pool(catalog, a)
    pick = rng.sample(pool, min(len(pool), 12))
    menu = "".join(
        f'<td><a href="/m{i}.aspx">{_e(m)}</a></td>'
        for i, m in enumerate(("Trang chủ", "Thời sự", "Kinh tế", "Văn hóa", "Đối ngoại", "Thể thao"))
    )
    others = "".join(
        f'<tr><td><img src="/i/dot.gif"> <a href="/Default.aspx?ID={i}">{_e(it["title"])}</a></td></tr>'
        for i, it in enumerate(pick[4:12])
    )
    teasers = [
        f'<td width="50%" valign="top"><a href="/Default.aspx?ID=9{i}"><b>{_e(it["title"])}</b></a>'
        f"<br>{_e(it['summary'])}</td>"
        for i, it in enumerate(pick[:4])
    ]
    images = "".join(
        f'<table align="center"><tr><td><img src="/Uploads/{a.id}/{n}.jpg"></td></tr>'
        f"<tr><td><i>{_e(b['caption'])}</i></td></tr></table>"
        if b["type"] == "img"
        else f"<p>{_e(b['text'])}</p>"
        for n, b in enumerate(a.blocks)
        if b["type"] in ("p", "img")
    )
    crumbs = " &raquo; ".join(
        f'<a href="/c{i}.aspx">{_e(s)}</a>' for i, s in enumerate(("Trang chủ", *a.section))
    )
    when = a.published.strftime("Cập nhật lúc %H:%M ngày %d/%m/%Y")
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{_e(a.title)} - {_e(site)}</title></head>"
        '<body><table width="980" align="center" cellpadding="0" cellspacing="0">'
        f'<tr><td><img src="/i/banner.jpg"><b>{_e(site)}</b></td></tr>'
        f"<tr><td><table><tr>{menu}</tr></table></td></tr>"
        '<tr><td><table width="100%"><tr>'
        f'<td width="220" valign="top"><table><tr><td><b>Tin khác</b></td></tr>{others}</table></td>'
        '<td valign="top"><table width="100%">'
        f"<tr><td>{crumbs}</td></tr>"
        f"<tr><td><h2>{_e(a.title)}</h2></td></tr>"
        f"<tr><td>{when}</td></tr>"
        f"<tr><td><b>{_e(a.lead)}</b></td></tr>"
        f"<tr><td>{images}</td></tr>"
        f'<tr><td align="right"><b>{_e(a.author)}</b></td></tr>'
        "</table>"
        f'<table width="100%"><tr>{teasers[0]}{teasers[1]}</tr><tr>{teasers[2]}{teasers[3]}</tr></table>'
        "</td></tr></table></td></tr>"
        f"<tr><td>{_e(site)} - Giấy phép số 45/GP-BC. Địa chỉ: 12 đường Trần Phú.</td></tr>"
        "</table></body></html>"
    )


def _render_oldcms(catalog: PortalCatalog, a: ReplicaArticle, canonical: str, rng: random.Random) -> str:
    """An old CMS: the whole story in one element, paragraphs split by <br><br>; <title> puts the
    site's name first; the headline is a classed <div>; a list of other titles below."""
    site = SITE_NAMES[catalog.name]
    pool = _sidebar_pool(catalog, a)
    pick = rng.sample(pool, min(len(pool), 8))
    paragraphs = [b["text"] for b in a.blocks if b["type"] == "p"]
    image = next((b for b in a.blocks if b["type"] == "img"), None)
    figure = (
        f'<div class="news_img"><img src="/upload/{a.id}.jpg">'
        f'<div class="caption">{_e(image["caption"])}</div></div>'
        if image
        else ""
    )
    others = "".join(
        f'<li><a href="/tin-tuc/{i}/x.html">{_e(it["title"])}</a> '
        f"<span>({rng.randint(1, 28)}/12/2014)</span></li>"
        for i, it in enumerate(pick)
    )
    crumbs = " > ".join(f'<a href="/c{i}.html">{_e(s)}</a>' for i, s in enumerate(("Trang chủ", *a.section)))
    return (
        '<html><head><meta charset="utf-8">'
        f"<title>{_e(site)} - {_e(a.title)}</title></head><body>"
        f'<div id="header"><a href="/">{_e(site)}</a></div>'
        '<div id="menu"><a href="/">Trang chủ</a> | <a href="/huu-nghi">Hữu nghị</a> | '
        '<a href="/doi-ngoai">Đối ngoại</a> | <a href="/lien-he">Liên hệ</a></div>'
        f'<div id="content"><div class="path">{crumbs}</div>'
        f'<div class="news_title">{_e(a.title)}</div>'
        f'<div class="news_date">{a.published.strftime("%d/%m/%Y %H:%M")}</div>'
        f'<div class="news_lead">{_e(a.lead)}</div>{figure}'
        f'<div class="news_content">{"<br><br>".join(_e(p) for p in paragraphs)}</div>'
        f'<div class="news_author">{_e(a.author)}</div>'
        f'<div class="othernews"><b>Các tin khác</b><ul>{others}</ul></div></div>'
        f'<div id="footer">{_e(site)} - Bản quyền thuộc Liên hiệp các tổ chức hữu nghị tỉnh</div>'
        "</body></html>"
    )


def render_listing(catalog: PortalCatalog, page: int, base: str, rng: random.Random) -> str | None:
    arts = ordered(catalog)
    pages = max(1, -(-len(arts) // PAGE_SIZE))
    if page < 1 or page > pages:
        return None
    chunk = arts[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    items = "".join(
        f'<article class="story"><h3><a href="{article_path(catalog, a)}">{_e(a.title)}</a></h3>'
        f'<p class="sapo">{_e(a.lead[:200])}</p><time>{a.published.strftime("%d/%m/%Y")}</time></article>'
        for a in chunk
    )
    nav = ""
    if page > 1:
        nav += f'<a rel="prev" href="{listing_path(catalog, page - 1)}">Trang trước</a>'
    if page < pages:
        nav += f'<a rel="next" class="next" href="{listing_path(catalog, page + 1)}">Trang sau</a>'
    title = catalog.articles[0].section[-1]
    pool = _sidebar_pool(catalog, None)
    return (
        _head(catalog, title, base + listing_path(catalog, page))
        + _nav(catalog)
        + f'<main><h1>{_e(title)}</h1><div class="list">{items}</div><div class="pagination">{nav}</div>'
        + _rail("Đọc nhiều", rng.sample(pool, min(5, len(pool))), "box-most-read")
        + "</main>"
        + _footer(catalog)
    )


def render_feed(catalog: PortalCatalog, base: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    """RSS 2.0 of the newest items; ``extra`` adds (title, path) items (the fault pages)."""
    rows = [(a.title, article_path(catalog, a), a.lead, a.published) for a in ordered(catalog)[:FEED_SIZE]]
    newest = rows[0][3]
    rows = [(t, p, t, newest) for t, p in extra] + rows
    items = "".join(
        f"<item><title>{_e(t)}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
        f"<description>{_e(d)}</description>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S %z')}</pubDate></item>"
        for t, p, d, when in rows
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{_e(SITE_NAMES[catalog.name])}</title><link>{base}/</link>"
        f"<description>Tin mới</description><language>vi</language>{items}</channel></rss>"
    )


def render_sitemap_index(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemaps/articles.xml</loc></sitemap></sitemapindex>"
    )


def render_sitemap(catalog: PortalCatalog, base: str) -> str:
    urls = "".join(
        f"<url><loc>{base}{article_path(catalog, a)}</loc><lastmod>{a.published.isoformat()}</lastmod></url>"
        for a in ordered(catalog)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )
