"""The starter ``huunghi.toml`` written by ``huunghi init``: the real portals, marked unverified.

Nothing here could be checked from the development machines (no internet): feed, sitemap and
listing addresses follow each portal's usual layout and are guesses until someone confirms
them (``verified = true``).
"""

STARTER = """\
# Cấu hình Huunghi. Bí mật có thể lấy từ biến môi trường thay vì ghi ở đây:
#   HUUNGHI_DATABASE_URL thay cho [archive] url (ví dụ postgresql://user@host/db).

[archive]
# Đường dẫn SQLite tương đối tính từ thư mục của tệp này. PostgreSQL: "postgresql://user@host:5432/db"
url = "sqlite:///huunghi.sqlite"

[crawler]
user_agent = "Huunghi/0.1 news monitor"
contact = "mailto:doi-ngoai@example.org"   # địa chỉ liên hệ về trình thu thập này: ghi địa chỉ của bạn
concurrent_per_host = 2
download_delay = 1.0
autothrottle = true
obey_robots = true
timeout = 30.0
retries = 2
max_response_mb = 20

[[sources]]
name = "thoidai"
title = "Thời Đại — Hữu nghị"
homepage = "https://thoidai.com.vn/"
feeds = ["https://thoidai.com.vn/rss/huu-nghi.rss"]
sitemaps = ["https://thoidai.com.vn/sitemap.xml"]
listings = ["https://thoidai.com.vn/huu-nghi", "https://thoidai.com.vn/huu-nghi/bon-phuong-ket-ban"]
article_pattern = '^https?://(www\\.|tacnghiep\\.)?thoidai\\.com\\.vn/.+-\\d{5,}\\.html$'
verified = false
notes = "dạng URL lấy từ liên kết bài thật (-<id>.html); đường dẫn feed, sitemap và danh mục là đoán"

[[sources]]
name = "vufo"
title = "VUFO — Liên hiệp các tổ chức hữu nghị Việt Nam"
homepage = "https://vufo.org.vn/"
listings = ["https://vufo.org.vn/Tin-tuc.html"]
article_pattern = '^https?://(www\\.)?vufo\\.org\\.vn/.+\\.html$'
verified = false
notes = "đường dẫn danh mục và dạng URL bài là đoán"

[[sources]]
name = "baoquocte"
title = "Báo Quốc tế"
homepage = "https://baoquocte.vn/"
feeds = ["https://baoquocte.vn/rss/doi-ngoai.rss"]
sitemaps = ["https://baoquocte.vn/sitemap.xml"]
article_pattern = '^https?://(www\\.)?baoquocte\\.vn/.+-\\d{5,}\\.html$'
verified = false
notes = "đường dẫn feed và sitemap là đoán"

[[sources]]
name = "baothanhhoa"
title = "Báo Thanh Hóa"
homepage = "https://baothanhhoa.vn/"
feeds = ["https://baothanhhoa.vn/rss/thoi-su.rss"]
sitemaps = ["https://baothanhhoa.vn/sitemap.xml"]
article_pattern = '^https?://(www\\.)?baothanhhoa\\.vn/.+-\\d{5,}\\.htm$'
verified = false
notes = "dạng URL lấy từ liên kết bài thật (-<id>.htm); đường dẫn feed và sitemap là đoán"

[[sources]]
name = "vietnamplus"
title = "VietnamPlus"
homepage = "https://www.vietnamplus.vn/"
feeds = ["https://www.vietnamplus.vn/rss/home.rss"]
sitemaps = ["https://www.vietnamplus.vn/sitemap.xml"]
article_pattern = '^https?://(www\\.)?vietnamplus\\.vn/.+-post\\d+\\.vnp$'
verified = false
notes = "đường dẫn feed và dạng URL bài là đoán; chưa thêm các bản tiếng Anh, Pháp, Trung"

[[sources]]
name = "nhandan"
title = "Nhân Dân"
homepage = "https://nhandan.vn/"
sitemaps = ["https://nhandan.vn/sitemap.xml"]
article_pattern = '^https?://(www\\.)?nhandan\\.vn/.+-post\\d+\\.html$'
verified = false
notes = "đường dẫn sitemap và dạng URL bài là đoán"
"""
