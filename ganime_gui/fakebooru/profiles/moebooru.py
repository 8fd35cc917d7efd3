"""Moebooru (yande.re, konachan): ``/post.json`` with 1-based pages and ``/tag.json``.

Facts imitated (research notes 2.3): ratings s/q/e, ``created_at`` as unix time, file URLs
``/image/<md5>/<Site> - <id> <tags>.<ext>`` (%-encoded), ``jpeg_url``/``sample_url`` (equal to
the file when there is no smaller copy), previews under ``/data/preview/ab/cd/<md5>.jpg``.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from ganime_gui.fakebooru.dataset import Post
from ganime_gui.fakebooru.profiles.base import Profile, Request, Response, json_response, not_found

RATING_LETTER = {"general": "s", "sensitive": "s", "questionable": "q", "explicit": "e"}
FILE_PATH = re.compile(r"^/(image|jpeg|sample)/([0-9a-f]{32})/([^/]+)$")
PREVIEW_PATH = re.compile(r"^/data/preview/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{32})\.jpg$")
SITE = "Konachan.com"
SAMPLE_WIDTH = 1500
PREVIEW_SIDE = 150


class Moebooru(Profile):
    name = "moebooru"
    default_max_limit = 1000
    rating_aliases = {"s": "general", "safe": "general", "q": "questionable",
                      "questionable": "questionable", "e": "explicit", "explicit": "explicit"}

    def route(self, req: Request):
        if req.path == "/post.json":
            return "api", self.post_index
        if req.path == "/tag.json":
            return "tags", self.tag_index
        if m := FILE_PATH.match(req.path):
            return ("sample" if m.group(1) == "sample" else "file"), lambda r: self.serve_file(m)
        if m := PREVIEW_PATH.match(req.path):
            return "thumbnail", lambda r: self.serve_preview(m)
        return None

    def post_index(self, req: Request) -> Response:
        tags = req.query.get("tags", "")
        limit = min(max(req.int_param("limit", 40), 1), self.max_limit)
        page = max(req.int_param("page", 1), 1)
        if page > self.deep_limit:
            return json_response([])
        posts = self.page_of(tags, (page - 1) * limit, limit, page - 1)
        if not posts and self.faults.flag("empty_body"):
            return Response(200, b"", "application/json; charset=utf-8")
        return json_response([self.post_json(p, req.base_url) for p in posts])

    def file_name(self, post: Post, kind: str, ext: str) -> str:
        words = "sample" if kind == "sample" else post.tag_string
        return quote(f"{SITE} - {post.id} {words}.{ext}", safe="")

    def post_json(self, post: Post, base: str) -> dict:
        ds = self.dataset
        md5, size = ds.md5(post), ds.file_size(post)
        file_url = f"{base}/image/{md5}/{self.file_name(post, 'image', post.ext)}"
        jpeg_url = (f"{base}/jpeg/{md5}/{self.file_name(post, 'jpeg', 'jpg')}"
                    if post.ext != "jpg" else file_url)
        sample = ds.sample_size(post, SAMPLE_WIDTH)
        sample_url = f"{base}/sample/{md5}/{self.file_name(post, 'sample', 'jpg')}" if sample else jpeg_url
        sample = sample or (post.width, post.height)
        preview = ds.scaled_size(post, PREVIEW_SIDE)
        actual = ds.scaled_size(post, PREVIEW_SIDE * 2)
        return {
            "id": post.id, "tags": post.tag_string, "created_at": post.created,
            "creator_id": post.creator_id, "author": f"user{post.creator_id}",
            "change": post.change, "source": post.source, "score": post.score, "md5": md5,
            "file_size": size, "file_url": file_url, "is_shown_in_index": True,
            "preview_url": f"{base}/data/preview/{md5[:2]}/{md5[2:4]}/{md5}.jpg",
            "preview_width": preview[0], "preview_height": preview[1],
            "actual_preview_width": actual[0], "actual_preview_height": actual[1],
            "sample_url": sample_url, "sample_width": sample[0], "sample_height": sample[1],
            "sample_file_size": 0, "jpeg_url": jpeg_url, "jpeg_width": post.width,
            "jpeg_height": post.height, "jpeg_file_size": 0, "rating": RATING_LETTER[post.rating],
            "has_children": ds.has_children(post), "parent_id": ds.parent_id(post) or None,
            "status": "active", "width": post.width, "height": post.height, "is_held": False,
            "frames_pending_string": "", "frames_pending": [], "frames_string": "", "frames": [],
        }

    def serve_file(self, m: re.Match) -> Response:
        kind, md5, name = m.groups()
        post = self.dataset.by_md5(md5)
        variant = {"image": "original", "jpeg": "jpeg", "sample": "sample"}[kind]
        return self.serve_variant(post, variant, name.rpartition(".")[2], sample_width=SAMPLE_WIDTH)

    def serve_preview(self, m: re.Match) -> Response:
        a, b, md5 = m.groups()
        post = self.dataset.by_md5(md5)
        if md5[:2] != a or md5[2:4] != b:
            return not_found()
        return self.serve_variant(post, "thumbnail", "jpg", side=PREVIEW_SIDE)

    def tag_index(self, req: Request) -> Response:
        rows = self.dataset.tag_rows()
        if name := req.query.get("name", "").lower():
            rows = [r for r in rows if name in r[1]]
        order = req.query.get("order", "")
        if order == "count":
            rows = sorted(rows, key=lambda r: (-r[2], r[1]))
        elif order == "name":
            rows = sorted(rows, key=lambda r: r[1])
        limit = req.int_param("limit", 50) or len(rows)
        return json_response([{"id": i, "name": n, "count": c, "type": t, "ambiguous": False}
                              for i, n, c, t in rows[:limit]])
