"""gelbooru.com: the Gelbooru 0.2 DAPI behind an API key, with the JSON envelope.

Differences from safebooru.org (research notes 2.1): ``api_key`` and ``user_id`` are required
(401 without); JSON is ``{"@attributes": {limit, offset, count}, "post": [...]}`` with no
``post`` key at 0 results, HTML-escaped tags, string booleans, ``directory`` like ``"b4/a3"``
and md5 file names; ``autocomplete2``; deep paging ends about 20 000 results in.
"""
from __future__ import annotations

from ganime_gui.fakebooru.dataset import TAG_TYPE_NAMES, Post
from ganime_gui.fakebooru.profiles.base import (Request, Response, json_response, not_found,
                                                php_escape, url_name)
from ganime_gui.fakebooru.profiles.safebooru import Safebooru, created_at_text

MISSING_AUTH = (b"Missing authentication. Go to https://gelbooru.com/index.php?page=account&s=options"
                b" to get your api_key and user_id.")


class Gelbooru(Safebooru):
    name = "gelbooru"
    site_name = "Gelbooru"
    default_deep_limit = 20_000
    thumb_side = 250
    deep_error = "Too deep! Pull it back some. Holy fuck."
    html_deep_text = "Unable to search this deep due to coding limitations."

    def route(self, req: Request):
        route = super().route(req)
        if route and route[0] in ("api", "tags") and not self.authorised(req):
            return route[0], lambda r: Response(401, MISSING_AUTH, "text/plain; charset=utf-8")
        return route

    def extra_index_route(self, req: Request):
        if req.query.get("page") == "autocomplete2":
            return "autocomplete", self.autocomplete2
        return None

    def authorised(self, req: Request) -> bool:
        user, key = req.query.get("user_id", ""), req.query.get("api_key", "")
        if self.options.api_user is not None:
            return user == self.options.api_user and key == self.options.api_key
        return bool(user and key)

    # gelbooru.com names every file by its md5 and files it under md5[:2]/md5[2:4]
    def stem(self, post: Post) -> str:
        return self.dataset.md5(post)

    def post_by_stem(self, stem: str, directory: str, ext: str | None = None) -> Post | None:
        return self.dataset.by_md5(stem) if len(stem) == 32 else None

    def directory(self, post: Post):
        md5 = self.dataset.md5(post)
        return f"{md5[:2]}/{md5[2:4]}"

    def urls(self, post: Post, base: str) -> tuple[str, str, str]:
        d, stem = self.directory(post), self.stem(post)
        sample = self.dataset.sample_size(post)
        return (f"{base}/images/{d}/{url_name(self.image_name(post))}",
                f"{base}/samples/{d}/sample_{stem}.jpg" if sample else "",
                f"{base}/thumbnails/{d}/thumbnail_{stem}.jpg")

    def thumb_html(self, post: Post, base: str) -> str:
        # gelbooru.com wraps each thumb in a div, still one per line (the fixture's layout)
        return f'<div class="thumbnail-preview">{super().thumb_html(post, base)}</div>'

    def too_deep(self, req: Request) -> Response:
        return Response(200, self.deep_error.encode(), "text/html; charset=utf-8")

    def posts_json(self, req: Request, posts: list[Post], count: int, offset: int, limit: int) -> Response:
        envelope: dict = {"@attributes": {"limit": limit, "offset": offset, "count": count}}
        if posts:
            items = [self.post_json(p, req.base_url) for p in posts]
            envelope["post"] = items[0] if len(items) == 1 and self.faults.flag("post_object") else items
        return json_response(envelope)

    def post_json(self, post: Post, base: str) -> dict:
        file_url, sample_url, preview_url = self.urls(post, base)
        sample = self.dataset.sample_size(post)
        preview = self.dataset.scaled_size(post, self.thumb_side)
        md5 = self.dataset.md5(post)
        return {
            "id": post.id, "created_at": created_at_text(post.created), "score": post.score,
            "width": post.width, "height": post.height, "md5": md5,
            "directory": self.directory(post), "image": self.image_name(post),
            "rating": post.rating, "source": post.source, "change": post.change,
            "owner": "danbooru", "creator_id": post.creator_id,
            "parent_id": self.dataset.parent_id(post), "sample": int(bool(sample)),
            "preview_height": preview[1], "preview_width": preview[0],
            "tags": php_escape(post.tag_string), "title": "", "has_notes": "false",
            "has_comments": "false", "file_url": file_url, "preview_url": preview_url,
            "sample_url": sample_url, "sample_height": sample[1] if sample else 0,
            "sample_width": sample[0] if sample else 0, "status": "active", "post_locked": 0,
            "has_children": "true" if self.dataset.has_children(post) else "false",
        }

    def autocomplete(self, req: Request) -> Response:
        return not_found()  # gelbooru.com has autocomplete2 instead of autocomplete.php

    def autocomplete2(self, req: Request) -> Response:
        limit = min(max(req.int_param("limit", 10), 1), 100)
        return json_response([
            {"type": "tag", "label": t.replace("_", " "), "value": t, "post_count": str(n),
             "category": "tag" if (kind := TAG_TYPE_NAMES[self.dataset.tag_type(t)]) == "general" else kind}
            for t, n in self.tag_matches(req.query.get("term", ""), limit)])
