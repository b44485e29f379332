"""Scrapy settings for Huunghi. ``huunghi.crawler.runner.settings_for`` layers huunghi.toml on top."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the annotation: keeps this module light to import
    from huunghi.config import Config

BOT_NAME = "huunghi"
SPIDER_MODULES = ["huunghi.crawler.spiders"]
NEWSPIDER_MODULE = "huunghi.crawler.spiders"

USER_AGENT = "Huunghi/0.1 news monitor"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# an article page yields one item; Scrapy starts this many tasks for every response's output
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
# only http(s) is ever fetched (huunghi.fetchpolicy); the other handlers are not even loaded
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # first of all: every request, redirects included, obeys the fetch policy
    "huunghi.crawler.middlewares.FetchPolicyMiddleware": 10,
    "huunghi.crawler.middlewares.RedirectLoopMiddleware": 650,
    # after the cache/compression layers, so it sees the real status and headers
    "huunghi.crawler.middlewares.ConditionalGetMiddleware": 590,
    # retries that honour Retry-After (replaces Scrapy's own, at its place)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "huunghi.crawler.middlewares.RetryAfterMiddleware": 550,
}
ITEM_PIPELINES = {
    "huunghi.crawler.pipelines.ExtractPipeline": 300,
    "huunghi.crawler.pipelines.ArchivePipeline": 800,
}
# Page errors are recorded on the crawl run (see `huunghi runs`); no need to shout them here.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"


def from_config(config: "Config") -> dict:
    """huunghi.toml's [crawler] table (and archive URL) as Scrapy settings."""
    c = config.crawler
    return {
        "USER_AGENT": c.full_user_agent,
        "ROBOTSTXT_OBEY": c.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrent_per_host,
        "DOWNLOAD_DELAY": c.download_delay,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "DOWNLOAD_TIMEOUT": c.timeout,
        "RETRY_TIMES": c.retries,
        "HUUNGHI_REVISIT_AFTER": list(c.revisit_after),
        "DOWNLOAD_MAXSIZE": c.max_response_mb * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": min(5, c.max_response_mb) * 1024 * 1024,
        "HUUNGHI_ALLOW_PRIVATE": c.allow_private,
        "HUUNGHI_MAX_LINKS_PER_PAGE": c.max_links_per_page,
        "HUUNGHI_MAX_LINKS_PER_SITEMAP": c.max_links_per_sitemap,
        "HUUNGHI_MAX_URLS_PER_CRAWL": c.max_urls_per_crawl,
        "HUUNGHI_CRAWL_DEADLINE_S": c.crawl_deadline_seconds,
        "HUUNGHI_READ_IN_WORKER": c.read_in_worker,
        "HUUNGHI_DATABASE_URL": config.database_url,
    }
