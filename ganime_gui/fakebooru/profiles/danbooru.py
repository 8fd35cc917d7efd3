"""Danbooru (danbooru.donmai.us, safebooru.donmai.us): ``/posts.json`` and friends.

Facts imitated (research notes 2.2): ``limit`` up to 200; numbered pages up to 1000, then 410
with the PaginationError body; ``page=b<id>``/``a<id>`` cursors without a limit; more than two
tags answers 422; ratings g/s/q/e; files under ``/original/ab/cd/<md5>.<ext>`` with sample and
preview variants; ``/autocomplete.json`` and ``/tags.json``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from fnmatch import fnmatchcase

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.dataset import ARTIST, CHARACTER, COPYRIGHT, GENERAL, META, Post
from ganime_gui.fakebooru.profiles.base import (Profile, Request, Response, json_response,
                                                not_found)

RATING_LETTER = {"general": "g", "sensitive": "s", "questionable": "q", "explicit": "e"}
SITE_TZ = timezone(timedelta(hours=-4))
BACKTRACE = [
    "app/logical/pagination_extension.rb:54:in 'PaginationExtension#paginate'",
    "app/models/application_record.rb:18:in 'ApplicationRecord::PaginationMethods::ClassMethods#paginate'",
    "app/logical/post_query_builder.rb:171:in 'PostQueryBuilder#paginated_posts'",
    "app/logical/post_query.rb:86:in 'PostQuery#paginated_posts'",
    "app/logical/post_sets/post.rb:109:in 'PostSets::Post#posts'",
    "app/controllers/posts_controller.rb:21:in 'PostsController#index'",
    "app/logical/rack_server_timing.rb:19:in 'RackServerTiming#call'",
]
FILE_PATH = re.compile(r"^/(original|sample|preview|180x180|360x360|720x720)/([0-9a-f]{2})/([0-9a-f]{2})/"
                       r"(sample-)?([0-9a-f]{32})\.(\w+)$")
VARIANT_SIDE = {"preview": 180, "180x180": 180, "360x360": 360, "720x720": 720}
TAG_LIMIT = 2
SAMPLE_WIDTH = 850


def iso_time(unix: int) -> str:
    return datetime.fromtimestamp(unix, SITE_TZ).isoformat(timespec="milliseconds")


def error(status: int, name: str, message: str, backtrace=()) -> Response:
    return json_response({"success": False, "error": name, "message": message,
                          "backtrace": list(backtrace)}, status)


class Danbooru(Profile):
    name = "danbooru"
    default_deep_limit = 1000   # the deepest numbered page
    default_max_limit = 200

    def route(self, req: Request):
        path = req.path
        if path == "/posts.json":
            return "api", self.posts_index
        if m := re.fullmatch(r"/posts/(\d+)\.json", path):
            return "api", lambda r: self.post_show(int(m.group(1)), r)
        if path == "/autocomplete.json":
            return "autocomplete", self.autocomplete
        if path == "/tags.json":
            return "tags", self.tags_index
        if m := FILE_PATH.match(path):
            kind = {"original": "file", "sample": "sample"}.get(m.group(1), "thumbnail")
            return kind, lambda r: self.serve_file(m)
        return None

    def rate_limited(self) -> Response:
        resp = error(429, "RateLimiter::RateLimitError",
                     "You're doing that too fast. Wait a minute and try again.")
        resp.headers.append(("Retry-After", "1"))
        return resp

    # -- posts -----------------------------------------------------------------------------------
    def posts_index(self, req: Request) -> Response:
        tags = req.query.get("tags", "")
        q = query.parse(tags)
        if q.counted_terms() > TAG_LIMIT:
            return error(422, "PostQuery::TagLimitError",
                         f"You cannot search for more than {TAG_LIMIT} tags at a time.")
        limit = min(max(req.int_param("limit", 20), 1), self.max_limit)
        page = req.query.get("page", "1") or "1"
        matched = self.search(tags)
        if page[0] in "ab" and page[1:].isdigit():
            cursor = int(page[1:])
            if page[0] == "b":
                posts = [p for p in matched if p.id < cursor][:limit]
            else:
                posts = sorted((p for p in matched if p.id > cursor), key=lambda p: p.id)[:limit]
                posts.reverse()
        else:
            number = max(1, int(page) if page.isdigit() else 1)
            if number > self.deep_limit:
                return error(410, "PaginationExtension::PaginationError",
                             f"You cannot go beyond page {self.deep_limit}.", BACKTRACE)
            posts = self.page_of(tags, (number - 1) * limit, limit, number - 1)
        if not posts and self.faults.flag("empty_body"):
            return Response(200, b"", "application/json; charset=utf-8")
        return json_response([self.post_json(p, req.base_url) for p in posts])

    def post_show(self, post_id: int, req: Request) -> Response:
        post = self.dataset.by_id(post_id)
        if post is None:
            return error(404, "ActiveRecord::RecordNotFound", "That record was not found.")
        return json_response(self.post_json(post, req.base_url))

    def file_urls(self, post: Post, base: str) -> dict[str, str]:
        md5 = self.dataset.md5(post)
        d = f"{md5[:2]}/{md5[2:4]}"
        urls = {"original": f"{base}/original/{d}/{md5}.{post.ext}",
                **{v: f"{base}/{v}/{d}/{md5}.jpg" for v in VARIANT_SIDE}}
        urls["sample"] = (f"{base}/sample/{d}/sample-{md5}.jpg"
                          if self.dataset.sample_size(post, SAMPLE_WIDTH) else urls["original"])
        return urls

    def post_json(self, post: Post, base: str) -> dict:
        ds = self.dataset
        by_type: dict[int, list[str]] = {GENERAL: [], ARTIST: [], COPYRIGHT: [], CHARACTER: [], META: []}
        for t in post.tags:
            by_type[ds.tag_type(t)].append(t)
        urls = self.file_urls(post, base)
        md5, size = ds.md5(post), ds.file_size(post)
        created, updated = iso_time(post.created), iso_time(post.change)
        parent = ds.parent_id(post) or None
        children = ds.has_children(post)
        return {
            "id": post.id, "created_at": created, "uploader_id": post.creator_id,
            "score": post.score, "source": post.source, "md5": md5,
            "last_comment_bumped_at": None, "rating": RATING_LETTER[post.rating],
            "image_width": post.width, "image_height": post.height,
            "tag_string": post.tag_string, "fav_count": post.score * 2, "file_ext": post.ext,
            "last_noted_at": None, "parent_id": parent, "has_children": children,
            "approver_id": None,
            "tag_count_general": len(by_type[GENERAL]), "tag_count_artist": len(by_type[ARTIST]),
            "tag_count_character": len(by_type[CHARACTER]),
            "tag_count_copyright": len(by_type[COPYRIGHT]), "file_size": size,
            "up_score": post.score, "down_score": 0, "is_pending": False, "is_flagged": False,
            "is_deleted": False, "tag_count": len(post.tags), "updated_at": updated,
            "is_banned": False, "pixiv_id": None, "last_commented_at": None,
            "has_active_children": children, "bit_flags": 0, "tag_count_meta": len(by_type[META]),
            "has_large": bool(ds.sample_size(post, SAMPLE_WIDTH)), "has_visible_children": children,
            "tag_string_general": " ".join(by_type[GENERAL]),
            "tag_string_character": " ".join(by_type[CHARACTER]),
            "tag_string_copyright": " ".join(by_type[COPYRIGHT]),
            "tag_string_artist": " ".join(by_type[ARTIST]),
            "tag_string_meta": " ".join(by_type[META]),
            "file_url": urls["original"], "large_file_url": urls["sample"],
            "preview_file_url": urls["preview"],
            "media_asset": self.media_asset(post, urls, md5, size, created, updated),
        }

    def media_asset(self, post: Post, urls, md5: str, size: int, created: str, updated: str) -> dict:
        variants = []
        for kind in ("180x180", "360x360", "720x720"):
            w, h = self.dataset.scaled_size(post, VARIANT_SIDE[kind])
            variants.append({"type": kind, "url": urls[kind], "width": w, "height": h, "file_ext": "jpg"})
        if sample := self.dataset.sample_size(post, SAMPLE_WIDTH):
            variants.append({"type": "sample", "url": urls["sample"], "width": sample[0],
                             "height": sample[1], "file_ext": "jpg"})
        variants.append({"type": "original", "url": urls["original"], "width": post.width,
                         "height": post.height, "file_ext": post.ext})
        return {"id": post.id * 3, "created_at": created, "updated_at": updated, "md5": md5,
                "file_ext": post.ext, "file_size": size, "image_width": post.width,
                "image_height": post.height, "duration": None, "status": "active",
                "is_public": True, "variants": variants}

    def serve_file(self, m: re.Match) -> Response:
        variant, a, b, sample_prefix, md5, ext = m.groups()
        post = self.dataset.by_md5(md5)
        if post is None or md5[:2] != a or md5[2:4] != b or bool(sample_prefix) != (variant == "sample"):
            return not_found()
        return self.serve_variant(post, variant if variant in ("original", "sample") else "thumbnail",
                                  ext, side=VARIANT_SIDE.get(variant, 0), sample_width=SAMPLE_WIDTH)

    # -- tags ------------------------------------------------------------------------------------
    def autocomplete(self, req: Request) -> Response:
        limit = min(max(req.int_param("limit", 10), 1), 20)
        return json_response([
            {"type": "tag-word", "label": t.replace("_", " "), "value": t,
             "category": self.dataset.tag_type(t), "post_count": n}
            for t, n in self.tag_matches(req.query.get("search[query]", ""), limit)])

    def tags_index(self, req: Request) -> Response:
        rows = self.dataset.tag_rows()
        if pattern := req.query.get("search[name_matches]"):
            rows = [r for r in rows if fnmatchcase(r[1], pattern.lower())]
        order = req.query.get("search[order]", "date")
        if order == "count":
            rows = sorted(rows, key=lambda r: (-r[2], r[1]))
        elif order == "name":
            rows = sorted(rows, key=lambda r: r[1])
        else:
            rows = sorted(rows, key=lambda r: -r[0])
        limit = min(max(req.int_param("limit", 20), 1), 1000)
        page = max(req.int_param("page", 1), 1)
        stamp = iso_time(1_420_070_400)
        return json_response([
            {"id": i, "name": n, "post_count": c, "category": t, "created_at": stamp,
             "updated_at": stamp, "is_deprecated": False, "words": n.split("_")}
            for i, n, c, t in rows[(page - 1) * limit: page * limit]])
