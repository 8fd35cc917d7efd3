"""Danbooru (danbooru.donmai.us, safebooru.donmai.us): ``/posts.json`` and friends.

Facts imitated (research notes 2.2): ``limit`` up to 200; numbered pages up to 1000, then 410
with the PaginationError body; ``page=b<id>``/``a<id>`` cursors without a limit; more than two
tags answers 422; ratings g/s/q/e; files under ``/original/ab/cd/<md5>.<ext>`` with sample and
preview variants; ``/autocomplete.json`` and ``/tags.json``; ``/counts/posts.json``.

Accounts (research notes 2.2, Danbooru's SessionLoader): credentials come as HTTP Basic
``login:api_key`` or as ``login=…&api_key=…`` parameters. With ``api_user``/``api_key`` set, a
wrong pair answers 401 ``SessionLoader::AuthenticationFailure`` "Invalid API key" (one of the two
alone: "Missing `login` or `api_key`"); a right pair logs in at ``api_level``: "gold" searches 6
tags and pages 5000 deep, "member" has the anonymous limits (2 tags, 1000 pages). Without
``api_user`` any pair logs in at ``api_level``. No credentials: anonymous.

Other answers: 451 "This page has been removed because of a takedown request" for a post (page
and files) under the ``takedown`` fault; the 503 and 429 faults in Danbooru's JSON error shape;
``/posts.xml`` (and ``/posts/<id>.xml``), the same posts as Rails' ``to_xml`` writes them.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from fnmatch import fnmatchcase

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.dataset import ARTIST, CHARACTER, COPYRIGHT, GENERAL, META, Post
from ganime_gui.fakebooru.faults import Refusal
from ganime_gui.fakebooru.profiles.base import (Profile, Request, Response, json_response,
                                                not_found, xml_response)

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
TAG_LIMIT = 2                       # anonymous and Member
LEVEL_TAG_LIMIT = {"member": 2, "gold": 6}
LEVEL_PAGE_LIMIT = {"member": 1000, "gold": 5000}
ANONYMOUS = "anonymous"
SAMPLE_WIDTH = 850
TAKEDOWN = "This page has been removed because of a takedown request"


def iso_time(unix: int) -> str:
    return datetime.fromtimestamp(unix, SITE_TZ).isoformat(timespec="milliseconds")


def error(status: int, name: str, message: str, backtrace=(), xml: bool = False) -> Response:
    """Danbooru's error document (``render_error_page``), as JSON or as XML."""
    doc = {"success": False, "error": name, "message": message, "backtrace": list(backtrace)}
    return xml_response(to_xml("result", doc), status) if xml else json_response(doc, status)


def _xml_text(value) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_element(name: str, value, indent: str) -> list[str]:
    """One value the way Rails' ``to_xml`` writes it: dashed names, typed scalars, nil="true"."""
    tag = name.replace("_", "-")
    if value is None:  # a typed column keeps its type: <parent-id type="integer" nil="true"/>
        kind = "integer" if name.endswith("_id") else "datetime" if name.endswith("_at") else ""
        typed = f' type="{kind}"' if kind else ""
        return [f'{indent}<{tag}{typed} nil="true"/>']
    if isinstance(value, bool):
        return [f'{indent}<{tag} type="boolean">{str(value).lower()}</{tag}>']
    if isinstance(value, int):
        return [f'{indent}<{tag} type="integer">{value}</{tag}>']
    if isinstance(value, float):
        return [f'{indent}<{tag} type="float">{value}</{tag}>']
    if isinstance(value, dict):
        return [f"{indent}<{tag}>", *(line for k, v in value.items()
                                       for line in _xml_element(k, v, indent + "  ")), f"{indent}</{tag}>"]
    if isinstance(value, list):
        if not value:
            return [f'{indent}<{tag} type="array"/>']
        child = name[:-1] if name.endswith("s") else name
        return [f'{indent}<{tag} type="array">',
                *(line for v in value for line in _xml_element(child, v, indent + "  ")), f"{indent}</{tag}>"]
    kind = ' type="datetime"' if name.endswith("_at") else ""
    return [f"{indent}<{tag}{kind}>{_xml_text(value)}</{tag}>"]


def to_xml(root: str, value) -> str:
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', *_xml_element(root, value, "")]) + "\n"


class Danbooru(Profile):
    name = "danbooru"
    default_deep_limit = 1000   # the deepest numbered page
    default_max_limit = 200

    def route(self, req: Request):
        route = self._route(req)
        if route is None or route[0] not in ("api", "tags", "autocomplete"):
            return route
        account = self.account(req)
        if account in (ANONYMOUS, *LEVEL_TAG_LIMIT):
            return route
        return route[0], lambda r: error(401, "SessionLoader::AuthenticationFailure", account,
                                         xml=r.path.endswith(".xml"))

    def _route(self, req: Request):
        path = req.path
        if path in ("/posts.json", "/posts.xml"):
            return "api", self.posts_index
        if m := re.fullmatch(r"/posts/(\d+)\.(json|xml)", path):
            return "api", lambda r: self.post_show(int(m.group(1)), r)
        if path == "/counts/posts.json":
            return "api", self.posts_count
        if path == "/autocomplete.json":
            return "autocomplete", self.autocomplete
        if path == "/tags.json":
            return "tags", self.tags_index
        if m := FILE_PATH.match(path):
            kind = {"original": "file", "sample": "sample"}.get(m.group(1), "thumbnail")
            return kind, lambda r: self.serve_file(m)
        return None

    def account(self, req: Request) -> str:
        """The account level the request logs in at, ``anonymous``, or why it is refused."""
        auth = req.headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            try:
                login, _, key = base64.b64decode(token.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                login = key = ""
            if scheme.lower() != "basic" or not login or not key:
                return "Invalid API key"
        elif "login" in req.query or "api_key" in req.query:
            login, key = req.query.get("login", ""), req.query.get("api_key", "")
            if not login or not key:
                return "Missing `login` or `api_key`"
        else:
            return ANONYMOUS
        if self.options.api_user is not None and (login, key) != (self.options.api_user,
                                                                  self.options.api_key):
            return "Invalid API key"
        return self.options.api_level if self.options.api_level in LEVEL_TAG_LIMIT else "member"

    def rate_limited(self, retry_after: str = "1", xml: bool = False) -> Response:
        resp = error(429, "RateLimiter::RateLimitError",
                     "You're doing that too fast. Wait a minute and try again.", xml=xml)
        resp.headers.append(("Retry-After", retry_after))
        return resp

    def refused(self, refusal: Refusal, req: Request) -> Response:
        """Rails answers 503 (database down) and 429 with its error document, in the format
        asked for; a Cloudflare challenge is Cloudflare's page whatever was asked."""
        xml = req.path.endswith(".xml")
        if refusal.status == 503:
            resp = error(503, "PG::ConnectionBad", "The database is unavailable. Try again later.", xml=xml)
            resp.headers.extend(refusal.headers)
            return resp
        if refusal.status == 429:
            return self.rate_limited(dict(refusal.headers).get("Retry-After", "1"), xml)
        return super().refused(refusal, req)

    # -- posts -----------------------------------------------------------------------------------
    def tag_limit_error(self, req: Request) -> Response | None:
        """422 when the query has more tags than the account may search, else None."""
        limit = LEVEL_TAG_LIMIT.get(self.account(req), TAG_LIMIT)
        if query.parse(req.query.get("tags", "")).counted_terms() > limit:
            return error(422, "PostQuery::TagLimitError",
                         f"You cannot search for more than {limit} tags at a time.",
                         xml=req.path.endswith(".xml"))
        return None

    def page_limit(self, req: Request) -> int:
        if self.options.deep_limit is not None:
            return self.options.deep_limit
        return LEVEL_PAGE_LIMIT.get(self.account(req), self.default_deep_limit)

    def posts_count(self, req: Request) -> Response:
        refused = self.tag_limit_error(req)
        return refused or json_response({"counts": {"posts": len(self.search(req.query.get("tags", "")))}})

    def posts_index(self, req: Request) -> Response:
        xml = req.path.endswith(".xml")
        tags = req.query.get("tags", "")
        if refused := self.tag_limit_error(req):
            return refused
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
            deepest = self.page_limit(req)
            if number > deepest:
                return error(410, "PaginationExtension::PaginationError",
                             f"You cannot go beyond page {deepest}.", BACKTRACE, xml=xml)
            posts = self.page_of(tags, (number - 1) * limit, limit, number - 1)
        if xml:
            return xml_response(to_xml("posts", [self.post_json(p, req.base_url) for p in posts]))
        if not posts and self.faults.flag("empty_body"):
            return Response(200, b"", "application/json; charset=utf-8")
        return json_response([self.post_json(p, req.base_url) for p in posts])

    def post_show(self, post_id: int, req: Request) -> Response:
        xml = req.path.endswith(".xml")
        post = self.dataset.by_id(post_id)
        if post is None:
            return error(404, "ActiveRecord::RecordNotFound", "That record was not found.", xml=xml)
        if self.faults.takedown(post.id):
            return error(451, "ApplicationController::PageRemovedError", TAKEDOWN, xml=xml)
        doc = self.post_json(post, req.base_url)
        return xml_response(to_xml("post", doc)) if xml else json_response(doc)

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
        if variant in ("original", "sample") and self.faults.takedown(post.id):
            return error(451, "ApplicationController::PageRemovedError", TAKEDOWN)
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
