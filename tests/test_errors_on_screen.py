"""A failing callback ends as a short message on the screen in the user's language, never a blank 500."""

from __future__ import annotations

import pytest

import dashboard.callbacks
from dashboard.app import create_app

ORIGIN = {"Origin": "http://localhost"}


@pytest.fixture(scope="module")
def app():
    return create_app()


def _detail_request(client, lang: str) -> dict:
    """The body the browser sends for the detail panel's callback, built from /_dash-dependencies."""
    deps = client.get("/_dash-dependencies").get_json()
    cb = next(d for d in deps if "detail.children" in d["output"])
    values = {"lang": lang, "city": {"adcode": "210100"}, "panel": "city"}
    inputs = [{"id": i["id"], "property": i["property"], "value": values.get(i["id"])} for i in cb["inputs"]]
    state = [{"id": s["id"], "property": s["property"], "value": values.get(s["id"])} for s in cb["state"]]
    outputs = [{"id": part.split(".")[0], "property": part.split(".")[1]}
               for part in cb["output"].strip(".").split("...")]
    return {"output": cb["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": ["city.data"]}


def _boom(*_args, **_kwargs):
    raise RuntimeError("simulated failure in the detail panel")


@pytest.mark.parametrize(("lang", "words"), [("zh", "出错了"), ("en", "Something went wrong")])
def test_a_failing_callback_answers_200_with_a_message_in_the_users_language(app, monkeypatch, lang, words):
    monkeypatch.setattr(dashboard.callbacks, "detail_panel", _boom)
    client = app.server.test_client()
    resp = client.post("/_dash-update-component", json=_detail_request(client, lang), headers=ORIGIN)
    assert resp.status_code == 200
    body = resp.get_json()
    side = body["sideUpdate"]
    assert words in side["lnmap-error-text"]["children"]
    assert side["lnmap-error"]["hidden"] is False
    assert "simulated failure" not in resp.get_data(as_text=True)  # no internals on the screen
    assert "detail" not in body.get("response", {})  # the panel keeps what it showed


def test_the_same_callback_still_works_without_the_failure(app):
    client = app.server.test_client()
    resp = client.post("/_dash-update-component", json=_detail_request(client, "en"), headers=ORIGIN)
    assert resp.status_code == 200
    assert "sideUpdate" not in resp.get_json()


def test_a_failure_outside_the_callbacks_is_one_short_line(app, monkeypatch):
    server = app.server
    monkeypatch.setitem(server.config, "PROPAGATE_EXCEPTIONS", False)
    endpoint = next(r.endpoint for r in server.url_map.iter_rules() if r.rule.endswith("/_dash-dependencies"))
    monkeypatch.setitem(server.view_functions, endpoint, _boom)

    resp = server.test_client().get("/_dash-dependencies", headers={"Accept-Language": "en"})
    assert resp.status_code == 500
    text = resp.get_data(as_text=True)
    assert "try again" in text and "simulated failure" not in text and "\n" not in text.strip()
    resp = server.test_client().get("/_dash-dependencies", headers={"Accept-Language": "zh-CN"})
    assert "重试" in resp.get_data(as_text=True)
