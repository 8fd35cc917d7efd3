"""The crawler: query and filters, paging, politeness, downloads, resume and dedupe."""
from __future__ import annotations

from .engine import CrawlOptions, CrawlOutcome, Crawler, run_crawl
from .query import SEED_TAGS, SUGGESTED_BLACKLIST, CrawlQuery, parse_tag_list
from .stats import CrawlStats

__all__ = ["Crawler", "CrawlOptions", "CrawlOutcome", "CrawlQuery", "CrawlStats", "run_crawl",
           "parse_tag_list", "SEED_TAGS", "SUGGESTED_BLACKLIST"]
