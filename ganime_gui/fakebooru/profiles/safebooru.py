"""safebooru.org: Gelbooru 0.2 (DAPI XML and bare-array JSON, the HTML list page, autocomplete.php).

Facts imitated (research notes 2.1): ``pid`` is a page index for the DAPI and an offset for the
HTML list; XML has ``count``/``offset``, one-letter ratings, string booleans, padded tags and
``created_at`` like ``Wed Sep 20 10:31:21 -0500 2017``; JSON is a bare array with escaped ``\\/``;
an offset beyond the deep limit answers an XML error even with ``json=1``; HTML pages hold 42
thumbs, one per line; older posts are named by a 40-hex hash instead of their md5.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_plus, unquote

from ganime_gui.fakebooru.dataset import TAG_TYPE_NAMES, Post
from ganime_gui.fakebooru.profiles.base import (Profile, Request, Response, html_response,
                                                json_response, not_found, url_name, xml_attrs,
                                                xml_response)

FILE_PATH = re.compile(r"^/(images|samples|thumbnails)/(.+)/([^/]+)$")
AREA_VARIANT = {"images": "original", "samples": "sample", "thumbnails": "thumbnail"}
AREA_PREFIX = {"images": "", "samples": "sample_", "thumbnails": "thumbnail_"}
XML_RATING = {"general": "s", "sensitive": "s", "questionable": "q", "explicit": "e"}
TITLE_RATING = {"general": "Safe", "sensitive": "Safe", "questionable": "Questionable",
                "explicit": "Explicit"}
SITE_TZ = timezone(timedelta(hours=-5))
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
POSTS_PER_DIRECTORY = 100


def created_at_text(unix: int) -> str:
    """Gelbooru's date form, e.g. ``Wed Sep 20 10:31:21 -0500 2017``."""
    return datetime.fromtimestamp(unix, SITE_TZ).strftime("%a %b %d %H:%M:%S %z %Y")


def bool_text(value: bool) -> str:
    return "true" if value else "false"


class Safebooru(Profile):
    name = "safebooru"
    site_name = "Safebooru"
    default_deep_limit = 200_000
    default_max_limit = 1000
    default_limit = 100
    html_page_size = 42
    thumb_side = 150
    deep_error = (XML_HEAD + '\n<response success="false" reason="Search error: API limited due '
                  'to abuse."/>\n')
    html_deep_text = "Unable to search this deep in temporarily."

    # -- routing ---------------------------------------------------------------------------------
    def route(self, req: Request):
        if req.path == "/index.php":
            page, s = req.query.get("page"), req.query.get("s")
            if page == "dapi" and req.query.get("q") == "index":
                if s == "post":
                    return "api", self.dapi_posts
                if s == "tag":
                    return "tags", self.dapi_tags
            if page == "post" and s == "list":
                return "html", self.html_list
            if page == "post" and s == "view":
                return "html", self.html_view
            return self.extra_index_route(req)
        if req.path == "/autocomplete.php":
            return "autocomplete", self.autocomplete
        m = FILE_PATH.match(req.path)
        if m:
            area, directory, name = m.group(1), unquote(m.group(2)), unquote(m.group(3))
            kind = "file" if area == "images" else AREA_VARIANT[area]
            return kind, lambda r: self.serve_file(area, directory, name.rsplit("/", 1)[-1])
        return None

    def extra_index_route(self, req: Request):
        return None

    # -- naming ----------------------------------------------------------------------------------
    def directory(self, post: Post):
        return 1 + post.index // POSTS_PER_DIRECTORY

    def stem(self, post: Post) -> str:
        return self.dataset.stem(post)

    def post_by_stem(self, stem: str, directory: str, ext: str | None = None) -> Post | None:
        """The post a file name names; an md5 not listed yet is looked for in its directory.
        Exact reposts share an md5: the one in this directory with this extension wins."""
        first = (int(directory) - 1) * POSTS_PER_DIRECTORY if directory.isdigit() else 0
        among = self.dataset.posts[first: first + POSTS_PER_DIRECTORY]
        post = self.dataset.by_stem(stem, among)
        if post is not None and len(stem) == 32 and (post.index < first or post.index >= first + len(among)
                                                     or (ext and post.ext != ext)):
            post = next((p for p in among if not p.legacy_name and self.stem(p) == stem
                         and (not ext or p.ext == ext)), post)
        return post

    def image_name(self, post: Post) -> str:
        return self.faults.hostile_name(post.id, f"{self.stem(post)}.{post.ext}")

    def urls(self, post: Post, base: str) -> tuple[str, str, str]:
        """(file_url, sample_url, preview_url); without a sample, sample_url is the file."""
        d, stem = self.directory(post), self.stem(post)
        file_url = self.file_url_fault(post, base, f"{base}/images/{d}/{url_name(self.image_name(post))}")
        sample = f"{base}/samples/{d}/sample_{stem}.jpg" if self.dataset.sample_size(post) else file_url
        return file_url, sample, f"{base}/thumbnails/{d}/thumbnail_{stem}.jpg"

    # -- files -----------------------------------------------------------------------------------
    def serve_file(self, area: str, directory: str, name: str) -> Response:
        stem, _, ext = name.rpartition(".")
        prefix = AREA_PREFIX[area]
        if not stem.startswith(prefix):
            return not_found()
        post = self.post_by_stem(stem[len(prefix):], directory, ext if area == "images" else None)
        if post is None or str(self.directory(post)) != directory:
            return not_found()
        return self.serve_variant(post, AREA_VARIANT[area], ext, side=self.thumb_side)

    # -- DAPI posts ------------------------------------------------------------------------------
    def dapi_posts(self, req: Request) -> Response:
        limit = min(max(req.int_param("limit", self.default_limit), 0), self.max_limit)
        pid = max(req.int_param("pid", 0), 0)
        if pid * limit > self.deep_limit:
            return self.too_deep(req)
        tags = req.query.get("tags")
        if req.query.get("id"):
            post = self.dataset.by_id(req.int_param("id", -1))
            posts, count = ([post] if post else []), (1 if post else 0)
        else:
            count = len(self.search(tags))
            posts = self.page_of(tags, pid * limit, limit, pid)
        if req.query.get("json") == "1":
            return self.list_body(*self.page_key(tags, pid, limit),
                                  lambda: self.posts_json(req, posts, count, pid * limit, limit))
        return self.list_body(*self.page_key(tags, pid, limit),
                              lambda: self.posts_xml(req, posts, count, pid * limit))

    def too_deep(self, req: Request) -> Response:
        return xml_response(self.deep_error)

    def posts_json(self, req: Request, posts: list[Post], count: int, offset: int, limit: int) -> Response:
        if not posts and self.faults.flag("empty_body"):
            return Response(200, b"", "application/json; charset=utf-8")
        return json_response([self.post_json(p, req.base_url) for p in posts], escape_slashes=True)

    def post_json(self, post: Post, base: str) -> dict:
        file_url, sample_url, preview_url = self.urls(post, base)
        d = self.directory(post)
        sample = self.dataset.sample_size(post)
        return {
            "preview_url": preview_url, "sample_url": sample_url, "file_url": file_url,
            "directory": str(d) if self.faults.flag("directory_string") else d,
            "hash": self.dataset.md5(post), "width": post.width, "height": post.height,
            "id": post.id, "image": self.image_name(post), "change": post.change,
            "owner": "danbooru", "parent_id": self.dataset.parent_id(post), "rating": post.rating,
            "sample": bool(sample), "sample_height": sample[1] if sample else 0,
            "sample_width": sample[0] if sample else 0, "score": None, "tags": post.tag_string,
            "source": post.source, "status": "active", "has_notes": False,
            "comment_count": post.score % 3,
        }

    def posts_xml(self, req: Request, posts: list[Post], count: int, offset: int) -> Response:
        lines = [XML_HEAD, f'<posts count="{count}" offset="{offset}">']
        for p in posts:
            file_url, sample_url, preview_url = self.urls(p, req.base_url)
            sample = self.dataset.sample_size(p) or (p.width, p.height)
            preview = self.dataset.scaled_size(p, self.thumb_side)
            parent = self.dataset.parent_id(p)
            lines.append("<post " + xml_attrs([
                ("height", p.height), ("score", p.score), ("file_url", file_url),
                ("parent_id", parent or ""), ("sample_url", sample_url),
                ("sample_width", sample[0]), ("sample_height", sample[1]),
                ("preview_url", preview_url), ("rating", XML_RATING[p.rating]),
                ("tags", f" {p.tag_string} "), ("id", p.id), ("width", p.width),
                ("change", p.change), ("md5", self.dataset.md5(p)), ("creator_id", p.creator_id),
                ("has_children", bool_text(self.dataset.has_children(p))),
                ("created_at", created_at_text(p.created)), ("status", "active"),
                ("source", p.source), ("has_notes", "false"), ("has_comments", "false"),
                ("preview_width", preview[0]), ("preview_height", preview[1])]) + "/>")
        lines.append("</posts>")
        return xml_response("\n".join(lines))

    # -- DAPI tags -------------------------------------------------------------------------------
    def dapi_tags(self, req: Request) -> Response:
        rows = self.dataset.tag_rows()
        q = req.query
        if q.get("id"):
            rows = [r for r in rows if str(r[0]) == q["id"]]
        if q.get("after_id"):
            rows = [r for r in rows if r[0] > req.int_param("after_id", 0)]
        if q.get("name"):
            rows = [r for r in rows if r[1] == q["name"]]
        if q.get("names"):
            wanted = set(q["names"].split())
            rows = [r for r in rows if r[1] in wanted]
        if q.get("name_pattern"):
            like = re.compile("^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                                            for c in q["name_pattern"]) + "$")
            rows = [r for r in rows if like.match(r[1])]
        key = {"count": lambda r: r[2], "name": lambda r: r[1]}.get(q.get("orderby", ""), lambda r: r[0])
        rows = sorted(rows, key=key, reverse=q.get("order", "").upper() == "DESC")
        limit = min(max(req.int_param("limit", 100), 0), self.max_limit)
        count, rows = len(rows), rows[:limit]
        if q.get("json") == "1":
            return json_response({"@attributes": {"limit": limit, "offset": 0, "count": count},
                                  "tag": [{"id": i, "name": n, "count": c, "type": t, "ambiguous": 0}
                                          for i, n, c, t in rows]})
        body = "".join(
            f"<tag {xml_attrs([('type', t), ('count', c), ('name', n), ('ambiguous', 'false'), ('id', i)])}/>"
            for i, n, c, t in rows)
        return xml_response(f'{XML_HEAD}<tags type="array">{body}</tags>')

    def autocomplete(self, req: Request) -> Response:
        return json_response([{"label": f"{t} ({n})", "value": t}
                              for t, n in self.tag_matches(req.query.get("q", ""))])

    # -- HTML ------------------------------------------------------------------------------------
    def html_list(self, req: Request) -> Response:
        tags = req.query.get("tags", "")
        tags = "" if tags == "all" else tags  # the site's own word for no filter
        offset = max(req.int_param("pid", 0), 0)
        size = self.html_page_size
        if offset > self.deep_limit:
            return html_response(self.html_page(tags, f"<h1>{self.html_deep_text}</h1>"))
        matched = self.search(tags)
        posts = self.page_of(tags, offset, size, offset // size)
        thumbs = "\n".join(self.thumb_html(p, req.base_url) for p in posts)
        body = (f'<div class="content"><div>\n{thumbs}\n</div>\n'
                f"{self.pagination_html(tags, offset, len(matched))}\n</div>")
        return html_response(self.html_page(tags, self.tag_sidebar_html(posts) + "\n" + body))

    def html_page(self, tags: str, body: str) -> str:
        title = html.escape(f"{self.site_name} / {tags.replace('_', ' ')}" if tags else self.site_name)
        return (f"<!DOCTYPE html>\n<html><head><title>{title}</title>"
                f'<meta charset="UTF-8"></head>\n<body>\n<div id="post-list">\n{body}\n</div>\n'
                "</body></html>\n")

    def thumb_html(self, post: Post, base: str) -> str:
        _, _, preview_url = self.urls(post, base)
        title = html.escape(html.escape(f" {post.tag_string}  score:{post.score} "
                                        f"rating:{TITLE_RATING[post.rating]}"))
        return (f'<span id="s{post.id}" class="thumb"><a id="p{post.id}" '
                f'href="index.php?page=post&amp;s=view&amp;id={post.id}" ><img '
                f'src="{preview_url}?{post.id}" alt="{html.escape(post.tag_string)}" '
                f'title="{title}" class="preview"/></a></span>')

    def list_link(self, tags: str, offset: int, text: str, alt: str = "") -> str:
        alt_attr = f' alt="{alt}"' if alt else ""
        return (f'<a href="?page=post&amp;s=list&amp;tags={quote_plus(tags)}&amp;pid={offset}"'
                f"{alt_attr}>{text}</a>")

    def pagination_html(self, tags: str, offset: int, total: int) -> str:
        size = self.html_page_size
        reachable = min(total, self.deep_limit + size)
        last = max(0, (reachable - 1) // size)
        current = offset // size
        parts = []
        if current > 0:
            parts += [self.list_link(tags, 0, "&laquo;", "first page"),
                      self.list_link(tags, (current - 1) * size, "&lsaquo;", "back")]
        for page in range(max(0, current - 7), min(last, current + 8) + 1):
            parts.append(f"<b>{page + 1}</b> " if page == current
                         else self.list_link(tags, page * size, str(page + 1)))
        if current < last:
            parts += [self.list_link(tags, (current + 1) * size, "&rsaquo;", "next"),
                      self.list_link(tags, last * size, "&raquo;", "last page")]
        return f'<div id="paginator"><div class="pagination"> {"".join(parts)}</div></div>'

    def tag_sidebar_html(self, posts: list[Post]) -> str:
        counts = self.dataset.tag_counts()
        tags = sorted({t for p in posts for t in p.tags}, key=lambda t: (-counts[t], t))[:25]
        return self.tag_list_html(tags)

    def tag_list_html(self, tags) -> str:
        counts = self.dataset.tag_counts()
        items = "\n".join(
            f'<li class="tag-type-{TAG_TYPE_NAMES[self.dataset.tag_type(t)]} tag">'
            f'<a href="index.php?page=post&amp;s=list&amp;tags={quote_plus(t)}">'
            f"{html.escape(t.replace('_', ' '))}</a> <span>{counts.get(t, 0)}</span></li>"
            for t in tags)
        return f'<div class="sidebar"><ul id="tag-sidebar">\n{items}\n</ul></div>'

    def html_view(self, req: Request) -> Response:
        post = self.dataset.by_id(req.int_param("id", -1))
        if post is None:
            return html_response(self.html_page("", "<h1>That post does not exist.</h1>"), 404)
        file_url, sample_url, _ = self.urls(post, req.base_url)
        body = (self.tag_list_html(post.tags) + "\n"
                f'<div class="content"><img alt="{html.escape(post.tag_string)}" height="{post.height}" '
                f'id="image" src="{sample_url}" width="{post.width}"/>\n'
                f'<li><a href="{file_url}" style="font-weight: bold;">Original image</a></li>\n'
                f"<li>Id: {post.id}</li><li>Size: {post.width}x{post.height}</li>"
                f"<li>Rating: {TITLE_RATING[post.rating]}</li></div>")
        return html_response(self.html_page(post.tag_string, body))
