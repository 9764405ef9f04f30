// The naive Dash peer's one function: each feature carries the style the server computed for it.
window.peer = { style: function (feature) { return feature.properties.style; } };
