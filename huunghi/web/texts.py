"""Every word the web page says, in Vietnamese (the desk's language) and in English (a choice).

One table per language with the same keys, so a page never mixes the two: a key missing from
English falls back to Vietnamese, never to the key's name (tests check both tables match).
"""

from __future__ import annotations

from typing import Any

from huunghi.monitor.searching import vietnamese

LANGUAGES = ("vi", "en")

VI: dict[str, str] = {
    "tagline": "Theo dõi báo chí về hữu nghị và đối ngoại nhân dân",
    "nav_search": "Tìm kiếm",
    "nav_sources": "Nguồn",
    "nav_topics": "Chủ đề & Atom",
    "nav_api": "API",
    "nav_logout": "Đăng xuất",
    "other_language": "English",
    "other_lang_code": "en",
    "footer": "Huunghi · chỉ đọc · giờ Hà Nội (GMT+7)",
    "demo_note": "Bản demo: nội dung các bài là những từ xáo trộn (chỉ tiêu đề và thông tin bài là thật).",
    "search": "Tìm",
    "all": "tất cả",
    "source": "Nguồn",
    "section": "Chuyên mục",
    "tag": "Thẻ",
    "from": "Từ",
    "to": "Đến",
    "changed_since": "Đính chính từ",
    "order": "Xếp",
    "order_relevance": "liên quan nhất",
    "order_date": "mới nhất",
    "story": "sự kiện",
    "articles_count": "bài",
    "windowed": "xếp hạng trong các bài mới nhất",
    "windowed_hint": "Khi quá nhiều bài khớp, xếp hạng trong số các bài mới nhất",
    "versions": "phiên bản",
    "removed": "đã gỡ",
    "no_match": "Không có bài nào khớp.",
    "prev": "← trước",
    "next": "sau →",
    "page": "trang",
    "latest": "Mới nhất",
    "bad_search": "Không hiểu yêu cầu tìm kiếm",
    "too_slow": "Truy vấn quá lâu, xin thu hẹp từ khóa.",
    "removed_on": "Bài đã bị gỡ",
    "image": "ảnh",
    "original": "Bài gốc",
    "same_story": "Cùng sự kiện, nguồn khác",
    "story_all": "Tất cả bài của sự kiện này",
    "story_none": "Chưa nguồn nào khác đưa tin này.",
    "history": "Lịch sử",
    "version": "Phiên bản",
    "first_version": "bản đầu tiên",
    "field_title": "Tiêu đề",
    "field_lead": "Sapo",
    "field_body_text": "Nội dung",
    "field_published_at": "Giờ đăng",
    "field_author": "Tác giả",
    "field_section": "Chuyên mục",
    "field_updated_at": "Giờ cập nhật",
    "topics": "Chủ đề",
    "topics_intro": "Mỗi chủ đề có một nguồn Atom để theo dõi trong trình đọc tin.",
    "topics_search": "tìm",
    "no_article": "Không có bài này.",
    "no_topic": "Không có chủ đề này. Các chủ đề: ",
    "not_found": "Không có trang này.",
    "back_to_search": "Về trang tìm kiếm",
    "sources": "Nguồn",
    "sources_intro": "Các nguồn được theo dõi, tình trạng và những lần thu thập gần nhất.",
    "health": "Tình trạng",
    "last_run": "Lần chạy cuối",
    "articles": "Số bài",
    "failures": "Lỗi liên tiếp",
    "recent_runs": "Các lần chạy gần đây",
    "started": "Bắt đầu",
    "status": "Kết quả",
    "pages": "Trang",
    "new": "Mới",
    "updated": "Cập nhật",
    "errors": "Lỗi",
    "no_runs": "Chưa chạy lần nào.",
    "health_ok": "tốt",
    "health_broken": "hỏng",
    "health_never": "chưa chạy",
    "health_paused": "tạm dừng",
    "health_disabled": "đã tắt",
    "health_gone": "không còn trong cấu hình",
    "run_ok": "xong",
    "run_failed": "thất bại",
    "run_partial": "một phần",
    "run_running": "đang chạy",
    "run_interrupted": "bị ngắt",
    "run_timed_out": "hết giờ",
    "unverified": "chưa kiểm chứng",
    "login": "Đăng nhập",
    "password": "Mật khẩu",
    "login_intro": "Trang này cần mật khẩu.",
    "login_wrong": "Sai mật khẩu.",
    "login_needed": "Cần đăng nhập.",
    "proxy_needed": "Trang này chỉ mở qua máy chủ trung gian (reverse proxy) đã được tin cậy.",
}

EN: dict[str, str] = {
    "tagline": "Press monitoring for friendship and people-to-people diplomacy",
    "nav_search": "Search",
    "nav_sources": "Sources",
    "nav_topics": "Topics & Atom",
    "nav_api": "API",
    "nav_logout": "Log out",
    "other_language": "Tiếng Việt",
    "other_lang_code": "vi",
    "footer": "Huunghi · read-only · Hanoi time (GMT+7)",
    "demo_note": "Demo: the articles' bodies are shuffled words (only titles and metadata are real).",
    "search": "Search",
    "all": "all",
    "source": "Source",
    "section": "Section",
    "tag": "Tag",
    "from": "From",
    "to": "To",
    "changed_since": "Corrected since",
    "order": "Order",
    "order_relevance": "most relevant",
    "order_date": "newest",
    "story": "story",
    "articles_count": "articles",
    "windowed": "ranked among the newest articles",
    "windowed_hint": "When too many articles match, ranking is done among the newest",
    "versions": "versions",
    "removed": "removed",
    "no_match": "No article matches.",
    "prev": "← previous",
    "next": "next →",
    "page": "page",
    "latest": "Latest",
    "bad_search": "The search could not be understood",
    "too_slow": "The search took too long; please narrow it down.",
    "removed_on": "This article was removed",
    "image": "image",
    "original": "Original article",
    "same_story": "Same story, other sources",
    "story_all": "All articles of this story",
    "story_none": "No other source has reported this yet.",
    "history": "History",
    "version": "Version",
    "first_version": "first version",
    "field_title": "Title",
    "field_lead": "Lead",
    "field_body_text": "Text",
    "field_published_at": "Published",
    "field_author": "Author",
    "field_section": "Section",
    "field_updated_at": "Updated",
    "topics": "Topics",
    "topics_intro": "Each topic has an Atom feed to follow in a feed reader.",
    "topics_search": "search",
    "no_article": "No such article.",
    "no_topic": "No such topic. Known topics: ",
    "not_found": "No such page.",
    "back_to_search": "Back to search",
    "sources": "Sources",
    "sources_intro": "The monitored sources, their health and their latest crawls.",
    "health": "Health",
    "last_run": "Last run",
    "articles": "Articles",
    "failures": "Failures in a row",
    "recent_runs": "Recent runs",
    "started": "Started",
    "status": "Result",
    "pages": "Pages",
    "new": "New",
    "updated": "Updated",
    "errors": "Errors",
    "no_runs": "Never run.",
    "health_ok": "ok",
    "health_broken": "broken",
    "health_never": "never run",
    "health_paused": "paused",
    "health_disabled": "disabled",
    "health_gone": "no longer configured",
    "run_ok": "done",
    "run_failed": "failed",
    "run_partial": "partial",
    "run_running": "running",
    "run_interrupted": "interrupted",
    "run_timed_out": "time limit",
    "unverified": "unverified",
    "login": "Log in",
    "password": "Password",
    "login_intro": "This page needs a password.",
    "login_wrong": "Wrong password.",
    "login_needed": "Please log in.",
    "proxy_needed": "This page is only served through a trusted reverse proxy.",
}

TABLES = {"vi": VI, "en": EN}


class Texts(dict):  # type: ignore[type-arg]
    """``t.key`` or ``t["key"]`` in templates; an unknown key shows Vietnamese, then the key."""

    def __init__(self, lang: str) -> None:
        super().__init__(TABLES.get(lang, VI))
        self.lang = lang if lang in TABLES else "vi"

    def __getattr__(self, key: str) -> str:
        return self[key]

    def __missing__(self, key: str) -> str:
        return VI.get(key, key)

    def label(self, name: str) -> str:
        return self[f"field_{name}"] if f"field_{name}" in self or f"field_{name}" in VI else name

    def outcome(self, value: Any) -> str:
        return self.get(f"run_{value}", str(value or "—"))


def error_text(message: str, lang: str) -> str:
    """A search error in the page's language (the Vietnamese is ``searching.vietnamese``'s)."""
    return vietnamese(message) if lang == "vi" else message
