"""The Crawl tab's widgets: the form (site, tags, filters), the monitor and the past crawls."""
