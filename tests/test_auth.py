"""Only editors change shared data: the Dash callback posted by hand, as a browser (or anyone) would."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from geo.core.settings import Settings
from geo.measures.observed import import_observed, list_datasets
from geo.store.db import audit_log
from geo.store.users import add_user

FIXTURE = Path(__file__).parent / "fixtures" / "observed_example_cod_2020.csv"
HOST = "http://localhost"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from dashboard.app import create_app

    store = tmp_path_factory.mktemp("auth-store")
    settings = Settings(store_dir=store, database_url=f"sqlite:///{store / 'lnmap.sqlite3'}")
    add_user("alice", "correct horse", settings)
    dash_app = create_app(settings)
    dash_app.server.config["TESTING"] = True
    return dash_app, settings


def _observed_callback(client) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if any(i["id"] == "upload" and i["property"] == "contents" for i in d["inputs"]))


def _post(client, trigger: str, *, contents=None, dataset=None, origin: str | None = HOST, removes=None):
    cb = _observed_callback(client)
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in
               re.sub(r"@[0-9a-f]+", "", cb["output"]).strip(".").split("...")]
    body = {
        "output": cb["output"], "outputs": outputs,
        "inputs": [{"id": "upload", "property": "contents", "value": contents},
                   {"id": "dataset", "property": "value", "value": dataset},
                   {"id": "remove-confirm", "property": "submit_n_clicks", "value": removes},
                   {"id": "plan", "property": "value", "value": None},
                   {"id": "boot", "property": "data", "value": None}],
        "state": [{"id": "upload", "property": "filename", "value": "ex.csv"},
                  {"id": "upload-source", "property": "value", "value": "示例来源"},
                  {"id": "lang", "property": "value", "value": "zh"},
                  {"id": "url", "property": "search", "value": ""},
                  {"id": "pollutant", "property": "value", "value": "cod"}],
        "changedPropIds": [trigger],
    }
    headers = {"Origin": origin} if origin else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


def _contents() -> str:
    return "data:text/csv;base64," + base64.b64encode(FIXTURE.read_bytes()).decode()


def _sign_in(client, name="alice", password="correct horse"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"name": name, "password": password, "token": token, "next": "/"},
                       headers={"Origin": HOST})


def test_an_anonymous_upload_is_refused_and_stores_nothing(app):
    dash_app, settings = app
    client = dash_app.server.test_client()
    before = len(audit_log(settings))
    resp = _post(client, "upload.contents", contents=_contents())
    assert resp.status_code == 401
    assert list_datasets(settings) == [] and len(audit_log(settings)) == before


def test_an_anonymous_removal_is_refused_and_removes_nothing(app):
    dash_app, settings = app
    kept = import_observed(FIXTURE.read_bytes().replace(b"217370.6", b"217370.4"), name="k.csv", settings=settings)
    client = dash_app.server.test_client()
    resp = _post(client, "remove-confirm.submit_n_clicks", dataset=kept["dataset_id"], removes=1)
    assert resp.status_code == 401
    assert kept["dataset_id"] in [m["dataset_id"] for m in list_datasets(settings)]


def test_a_post_from_another_site_is_refused(app):
    dash_app, settings = app
    client = dash_app.server.test_client()
    for origin in ("https://evil.example", None, "null"):
        assert _post(client, "dataset.value", dataset=None, origin=origin).status_code == 403
    assert _sign_in(client).status_code == 302
    # signed in, a forged cross-site upload is still refused: the cookie alone is not enough
    assert _post(client, "upload.contents", contents=_contents(), origin="https://evil.example").status_code == 403


def test_picking_a_dataset_to_view_needs_no_account(app):
    dash_app, _ = app
    resp = _post(dash_app.server.test_client(), "dataset.value", dataset=None)
    assert resp.status_code == 200


def test_an_editor_uploads_and_the_audit_log_names_them(app):
    dash_app, settings = app
    client = dash_app.server.test_client()
    assert _sign_in(client, password="wrong password").status_code == 401
    assert _sign_in(client).status_code == 302
    resp = _post(client, "upload.contents", contents=_contents())
    assert resp.status_code == 200
    import json

    assert "已导入 14 行" in json.dumps(resp.get_json(), ensure_ascii=False)
    last = audit_log(settings, limit=1)
    assert [(r["actor"], r["action"], r["file_name"]) for r in last] == [("web:alice", "import", "ex.csv")]
    import hashlib

    assert last[-1]["file_sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()


def test_the_sign_in_page_speaks_both_languages(app):
    client = app[0].server.test_client()
    assert "编辑登录" in client.get("/login").get_data(as_text=True)
    assert "Editor sign-in" in client.get("/login?lang=en").get_data(as_text=True)


def test_security_headers(app):
    resp = app[0].server.test_client().get("/")
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_sign_in_for_everyone_when_the_operator_asks(tmp_path):
    from dashboard.app import create_app

    settings = Settings(store_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", require_login=True)
    client = create_app(settings).server.test_client()
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
