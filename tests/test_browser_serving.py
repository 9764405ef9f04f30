"""The page under its security headers, and failures shown on screen, in real headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import dashboard.callbacks
from tests.dashboard_server import serve_dashboard

pytestmark = pytest.mark.browser
CITY = "path.lnmap-city"

#: Every Content-Security-Policy violation the page reports, and console lines that mention one.
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture(scope="module")
def base():
    with serve_dashboard() as url:
        yield url.rstrip("/")


def open_map(page, url):
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("http://127.0.0.1")
               else route.continue_())  # offline: anything not from the app fails
    response = page.goto(url)
    page.wait_for_function(f"document.querySelectorAll('{CITY}').length === 14")
    page.wait_for_selector(".legend .legend-title")
    return response


def click_city(page, name):
    label = page.locator(".lnmap-label span", has_text=name).first
    label.wait_for()
    box = label.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_the_map_draws_under_its_content_security_policy_without_a_violation(page, base):
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script(WATCH_CSP)
    response = open_map(page, base + "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    expect(page.locator(CITY)).to_have_count(14)
    click_city(page, "大连")  # a server callback and the clientside ones run too
    expect(page.locator("#detail")).to_contain_text("大连")
    assert page.evaluate("window.__csp") == []
    assert not [line for line in console if "Content Security Policy" in line]
    # The watch works: something the policy forbids is reported.
    page.evaluate("fetch('http://127.0.0.2:9/').catch(() => null)")
    page.wait_for_function("window.__csp.length > 0")
    assert "connect-src" in page.evaluate("window.__csp")[0]


def test_a_failing_callback_shows_a_message_in_the_pages_language(page, base, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("simulated failure in the detail panel")

    open_map(page, base + "/?lang=en")
    expect(page.locator("#detail")).not_to_be_empty()
    box = page.locator("#lnmap-error")
    expect(box).to_be_hidden()
    monkeypatch.setattr(dashboard.callbacks, "detail_panel", boom)
    click_city(page, "Dalian")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Something went wrong")
    expect(box).not_to_contain_text("simulated")
    expect(page.locator(CITY)).to_have_count(14)  # the map is still there
    box.click()
    expect(box).to_be_hidden()


def test_a_failed_request_shows_a_message_instead_of_nothing(page, base):
    open_map(page, base + "/")
    page.route("**/_dash-update-component*", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    click_city(page, "大连")
    box = page.locator("#lnmap-fallback-error")
    expect(box).to_be_visible()
    expect(box).to_contain_text("服务器暂时无法响应")
    box.click()
    expect(box).to_be_hidden()
