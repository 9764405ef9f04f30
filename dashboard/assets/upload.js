/* The upload box: report every picked or dropped file's name and size to Dash.
 *
 * dcc.Upload drops a file larger than its max_size without telling Dash, so nothing would
 * happen on the page. This reports each file the user picks (name and size only; the file
 * is not read) to the store `upload-picked`; a clientside callback says in the user's
 * language when it is over the limit (dashboard/callbacks.py, uploadTooLarge).
 */
(function () {
  "use strict";
  function report(files) {
    if (!files || !files.length || !window.dash_clientside || !window.dash_clientside.set_props) return;
    const f = files[0];
    window.dash_clientside.set_props("upload-picked", {data: {name: f.name, size: f.size, at: Date.now()}});
  }
  function inUpload(target) {
    return target && target.closest && target.closest("#upload");
  }
  document.addEventListener("change", function (e) {
    if (inUpload(e.target) && e.target.type === "file") report(e.target.files);
  }, true);
  document.addEventListener("drop", function (e) {
    if (inUpload(e.target) && e.dataTransfer) report(e.dataTransfer.files);
  }, true);
})();
