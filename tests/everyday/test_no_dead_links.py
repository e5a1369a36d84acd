"""Issue 15, no dead ends: a link a page shows a user opens for that user. The cheap, browser-free version of
tests/browser/test_crawl.py: the demo company (``loaddemo``), one login per demo role; every internal link of the
home page, the menu and the notifications is opened, then one link of each kind (digits → N) found on those pages.
Each must answer below 400 and not send the user back to the login page."""

import re
import time
from io import StringIO
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

# one login per demo role (manager2, sales2… repeat a role already walked), as the browser crawl
ROLES = ["gm", "manager", "sales1", "leads", "finance", "cashier", "cs", "csmanager", "admin", "fd", "adm", "wh",
         "prod", "qc"]
START = ["/", "/menu/", "/notifications/"]
# not followed: logout, the Django admin, the API, files and downloads (as the browser crawl)
SKIP = re.compile(r"^/(logout|admin|api|static|media)/|/(export|download|pdf|print|xlsx|excel)(/|$)|\.(xlsx|pdf|csv|png"
                  r"|jpg|zip)$|/files/\d+|/attachments?/\d+|/scans?/\d+|/documents/")
SKIP_QUERY = re.compile(r"(^|&)(format|export|download)=")
HREF = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]*)\"")


def links(html: str, here: str) -> set[str]:
    out = set()
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        s = urlsplit(urljoin("http://testserver" + here, href))
        if s.netloc != "testserver" or SKIP.search(s.path) or SKIP_QUERY.search(s.query):
            continue
        out.add(s.path + ("?" + s.query if s.query else ""))
    return out


def kind(url: str) -> str:
    s = urlsplit(url)
    return re.sub(r"\d+", "N", s.path) + "?" + "&".join(sorted({kv.split("=", 1)[0] for kv in s.query.split("&") if kv}))


def opens(client: Client, url: str) -> tuple[str | None, str]:
    """(problem or None, the page's HTML)."""
    r = client.get(url)
    if r.status_code >= 400:
        return f"HTTP {r.status_code}", ""
    if r.status_code in (301, 302) and urlsplit(r["Location"]).path.startswith("/login"):
        return "跳回登录页", ""
    is_html = r.status_code == 200 and "text/html" in r.get("Content-Type", "")
    return None, r.content.decode() if is_html else ""


@pytest.mark.django_db
def test_every_link_on_the_home_menu_and_notifications_opens_for_the_user_it_is_shown_to():
    t0 = time.monotonic()
    call_command("loaddemo", "--quiet-logins", stdout=StringIO())
    from yewu.org.models import User

    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    assert set(users) == set(ROLES)
    problems, opened = [], 0
    for name in ROLES:
        c = Client()
        c.force_login(users[name])
        first: dict[str, str] = {}  # link → the page that showed it
        for page in START:
            problem, html = opens(c, page)
            assert problem is None, f"{name} {page}: {problem}"
            first.update({u: page for u in links(html, page) if u not in first})
        seen, kinds = set(START) | set(first), set()
        for url, shown_on in sorted(first.items()):
            problem, html = opens(c, url)
            opened += 1
            if problem:
                problems.append(f"{name}: {url} ({problem}), linked from {shown_on}")
                continue
            for nxt in sorted(links(html, urlsplit(url).path) - seen):  # one link of each kind a page leads on to
                seen.add(nxt)
                if kind(nxt) in kinds:
                    continue
                kinds.add(kind(nxt))
                problem, _ = opens(c, nxt)
                opened += 1
                if problem:
                    problems.append(f"{name}: {nxt} ({problem}), linked from {url}")
    print(f"no-dead-links: {opened} links for {len(ROLES)} roles in {time.monotonic() - t0:.0f}s")
    assert opened > 200
    assert not problems, "\n".join(problems)
