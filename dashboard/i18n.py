"""The dashboard's words: re-exported from :mod:`geo.core.vocabulary`, the one catalogue the exports read too."""

from __future__ import annotations

from geo.core.vocabulary import (  # noqa: F401  (re-exported)
    BASEMAP_LABELS,
    DEFAULT_LANG,
    LANG_LABELS,
    LANGS,
    LAYER_LABELS,
    MEASURE_LABELS,
    POLLUTANT_LABELS,
    PRECISION_LABELS,
    RELATION_LABELS,
    SCHEME_LABELS,
    STRINGS,
    bundle,
    label,
    t,
)

#: Messages shown on the page when the server fails a request (``dashboard.app``: callback errors,
#: a 5xx answer); short, in the user's language, never a traceback.
ERROR_LABELS: dict[str, dict[str, str]] = {
    "callback_failed": {"zh": "出错了：这一步没有完成，请重试；如果一再出现，请告诉管理员。",
                        "en": "Something went wrong: this step did not finish. Try again; if it keeps happening, "
                              "tell the operator."},
    "server_failed": {"zh": "服务器暂时无法响应，请稍后重试。",
                      "en": "The server could not answer just now. Please try again in a moment."},
    "dismiss": {"zh": "关闭", "en": "Dismiss"},
}
