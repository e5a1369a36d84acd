"""Browser tests: Debian Chromium driven by Playwright (sync API) against pytest-django's live server.

The Playwright sync API runs an event loop in the test thread, so Django's async-safety guard must be
relaxed for the ORM calls the tests make (data set-up and assertions)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (apt-get install -y chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def site(live_server, transactional_db, company, browser):
    """site(username, phone=True) -> a logged-in Playwright page; site.url(path) -> absolute URL."""
    contexts = []

    class Site:
        base = live_server.url

        def url(self, path):
            return self.base + path

        def login(self, username, phone=True):
            ctx = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 900},
                                      device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone,
                                      locale="zh-CN", timezone_id="Asia/Shanghai")
            contexts.append(ctx)
            page = ctx.new_page()
            page.set_default_timeout(15000)
            page.goto(self.url("/login/"))
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo1234")
            page.click("button.primary")
            page.wait_for_url(self.url("/"))
            return page

        def shot(self, page, name, full_page=True):
            SHOTS.mkdir(exist_ok=True)
            if full_page:  # sticky header/footer belong at the top/bottom of a full-page image
                page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    yield Site()
    for ctx in contexts:
        ctx.close()
