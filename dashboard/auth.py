"""Who may change shared data: editors sign in (flask-login); everyone else views.

- Viewing needs no account unless ``Settings.require_login``.
- Importing, removing and making a dataset the default need an editor (``lnmap users add``). The
  Dash callback that does them is a POST to ``/_dash-update-component``: a request whose
  ``changedPropIds`` name one of :data:`EDITOR_TRIGGERS` is refused (401) without an editor's
  session, before Dash runs anything; imports are rate-limited per editor (429).
- Every state-changing request (any POST) must come from this site: its Origin (else Referer)
  must name the host it was sent to (403 otherwise); the sign-in form also carries a session token.
- Or, behind a reverse proxy that authenticates, ``Settings.trusted_user_header`` names the user
  (off by default: a header anyone can send is trusted only when the operator says so).
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
from urllib.parse import urlsplit

import flask
from flask_limiter import Limiter
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from geo.core.errors import StoreError
from geo.core.settings import Settings
from geo.store.users import is_editor, secret_key, verify

log = logging.getLogger(__name__)

#: Inputs of the observed-values callback that change shared data (upload, remove, make default).
EDITOR_TRIGGERS = frozenset({"upload.contents", "remove-confirm.submit_n_clicks", "make-default.n_clicks"})
UPLOAD_TRIGGER = "upload.contents"
#: Imports per editor (in each worker): enough for a person, not for a script gone wrong.
IMPORT_LIMIT = "10 per minute;100 per day"
LOGIN_LIMIT = "10 per minute"


class Editor(UserMixin):
    def __init__(self, name: str):
        self.id = name


def actor() -> str | None:
    """The signed-in editor as the audit log names them (``web:<name>``), or None."""
    return f"web:{current_user.id}" if current_user and current_user.is_authenticated else None


def init_auth(server: flask.Flask, settings: Settings) -> None:
    server.secret_key = secret_key(settings)  # kept in the database: every worker and host signs alike
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax")
    manager = LoginManager(server)
    manager.login_view = None

    @manager.user_loader
    def _load(name: str):
        try:
            return Editor(name) if is_editor(name, settings) else None
        except StoreError:
            return None

    if settings.trusted_user_header:
        @manager.request_loader
        def _from_proxy(request):
            name = request.headers.get(settings.trusted_user_header, "").strip()
            return Editor(name) if name and is_editor(name, settings) else None

    limiter = Limiter(key_func=_limit_key, app=server, storage_uri="memory://", default_limits=[],
                      headers_enabled=True)
    server.extensions["lnmap_import_limit"] = limiter.shared_limit(IMPORT_LIMIT, scope="import", key_func=_limit_key)

    server.before_request(lambda: _guard(settings))
    server.add_url_rule("/login", "login", limiter.limit(LOGIN_LIMIT, methods=["POST"])(lambda: _login(settings)),
                        methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])


def _limit_key() -> str:
    return actor() or flask.request.remote_addr or "anonymous"


def same_origin(request: flask.Request) -> bool:
    """Origin, else Referer, names the host the request was sent to."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def _guard(settings: Settings):
    request = flask.request
    if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin(request):
        log.warning("refused %s %s: Origin/Referer %r is not this site", request.method, request.path,
                    request.headers.get("Origin") or request.headers.get("Referer"))
        return flask.Response("refused: the request does not come from this site", 403, mimetype="text/plain")
    if request.endpoint in ("login", "static") or request.path.startswith("/login"):
        return None
    if settings.require_login and not current_user.is_authenticated:
        if request.method == "GET" and not request.path.startswith("/_dash"):
            return flask.redirect(flask.url_for("login", next=request.full_path))
        return flask.Response("sign in first", 401, mimetype="text/plain")
    if request.method == "POST" and request.path.endswith("/_dash-update-component"):
        body = request.get_json(silent=True) or {}
        changed = set(body.get("changedPropIds") or []) if isinstance(body, dict) else set()
        if changed & EDITOR_TRIGGERS:
            if not current_user.is_authenticated:
                return flask.Response("only a signed-in editor may change the shared data", 401, mimetype="text/plain")
            if UPLOAD_TRIGGER in changed:
                limit = flask.current_app.extensions["lnmap_import_limit"]
                with limit:  # raises 429 Too Many Requests past the limit
                    pass
    return None


_TEXT = {
    "title": {"zh": "编辑登录", "en": "Editor sign-in"},
    "intro": {"zh": "查看地图无需登录；导入、删除和设定默认数据集需要编辑账号（由管理员用 lnmap users add 创建）。",
              "en": "Viewing the map needs no account; importing, removing and choosing the default dataset need an "
                    "editor account (an operator creates it with lnmap users add)."},
    "name": {"zh": "用户名", "en": "User name"},
    "password": {"zh": "密码", "en": "Password"},
    "submit": {"zh": "登录", "en": "Sign in"},
    "wrong": {"zh": "用户名或密码不正确。", "en": "Wrong user name or password."},
    "back": {"zh": "返回地图", "en": "Back to the map"},
    "other": {"zh": "English", "en": "中文"},
}


def _login(settings: Settings):
    request = flask.request
    lang = "en" if request.values.get("lang") == "en" else "zh"
    nxt = request.values.get("next") or "/"
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"  # never an open redirect
    error = ""
    if request.method == "POST":
        token = flask.session.get("login_token", "")
        ok_token = bool(token) and hmac.compare_digest(token, request.form.get("token", ""))
        name, password = request.form.get("name", ""), request.form.get("password", "")
        if ok_token and verify(name, password, settings):
            login_user(Editor(name))
            flask.session.pop("login_token", None)
            return flask.redirect(nxt)
        error = _TEXT["wrong"][lang]
    token = flask.session.setdefault("login_token", secrets.token_urlsafe(24))
    t = {k: v[lang] for k, v in _TEXT.items()}
    other = "zh" if lang == "en" else "en"
    page = f"""<!DOCTYPE html><html lang="{'en' if lang == 'en' else 'zh-CN'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t['title']}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.4rem;box-sizing:border-box}}
button{{margin-top:1rem;padding:.4rem 1.2rem}}.error{{color:#b00020}}</style></head><body>
<h1>{t['title']}</h1><p>{t['intro']}</p>{f'<p class="error" role="alert">{error}</p>' if error else ''}
<form method="post" action="/login"><input type="hidden" name="token" value="{html.escape(token)}">
<input type="hidden" name="lang" value="{lang}"><input type="hidden" name="next" value="{html.escape(nxt)}">
<label for="name">{t['name']}</label><input id="name" name="name" autocomplete="username" required>
<label for="password">{t['password']}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{t['submit']}</button></form>
<p><a href="/?lang={lang}">{t['back']}</a> · <a href="/login?lang={other}">{t['other']}</a></p></body></html>"""
    return flask.Response(page, 401 if error else 200, mimetype="text/html")


def _logout():
    logout_user()
    return flask.redirect("/")


_ACCOUNT = {
    "sign_in": {"zh": "编辑登录", "en": "Editor sign-in"},
    "signed_in": {"zh": "已登录编辑：{name}", "en": "Signed in as editor {name}"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "viewer": {"zh": "导入和删除需要编辑账号。", "en": "Importing and removing need an editor account."},
    "audit": {"zh": "最近的更改", "en": "Recent changes"},
}


def account_view(lang: str, settings: Settings) -> tuple:
    """(upload style, remove style, account box): the controls and the audit log for an editor; for a
    viewer, no upload or remove control and a sign-in link."""
    from dash import html

    from geo.store.db import audit_log

    t = {k: v[lang] for k, v in _ACCOUNT.items()}
    if actor() is None:
        hidden = {"display": "none"}
        return hidden, hidden, [t["viewer"], " ", html.A(t["sign_in"], href=f"/login?lang={lang}")]
    try:
        lines = audit_log(settings, limit=8)
    except StoreError:
        lines = []
    log_list = html.Details([html.Summary(t["audit"]), html.Ul([
        html.Li(f"{r['at'][:16].replace('T', ' ')} {r['actor'].removeprefix('web:')} {r['action']} "
                f"{r['file_name'] or r['detail'] or ''}".strip()) for r in lines], className="audit")])
    sign_out = html.Form(html.Button(t["sign_out"], type="submit", className="small-button"), method="post",
                         action="/logout", style={"display": "inline"})
    return None, None, [t["signed_in"].format(name=current_user.id), " ", sign_out, log_list]
