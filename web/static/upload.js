// The progress bar of an upload sent with htmx (a form with data-progress="#bar"): the bar
// follows the upload's progress events, then says the server is checking the file; a refusal
// (400, 413) is shown in place like a success, since it carries the report (the target box is
// marked data-upload-answer).
(function () {
  "use strict";
  function bar(evt) {
    var d = evt.detail || {};
    var form = (d.requestConfig && d.requestConfig.elt) || d.elt || evt.target;
    var sel = form && form.getAttribute ? form.getAttribute("data-progress") : null;
    return sel ? document.querySelector(sel) : null;
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var box = bar(evt);
    if (!box) return;
    box.hidden = false;
    box.querySelector("progress").value = 0;
    box.querySelector("[data-progress-text]").textContent = document.documentElement.lang === "en" ? "Uploading…" : "正在上传…";
  });
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var box = bar(evt);
    if (!box || !evt.detail.lengthComputable) return;
    var percent = Math.round((evt.detail.loaded / evt.detail.total) * 100);
    box.querySelector("progress").value = percent;
    if (percent >= 100) {
      box.querySelector("[data-progress-text]").textContent = document.documentElement.lang === "en" ? "Checking and importing…" : "正在检查并导入…";
    }
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    // dispatched on the target: the answer's box says it takes refusals too
    var target = evt.target;
    var answers = target && target.hasAttribute && target.hasAttribute("data-upload-answer");
    if (answers && (evt.detail.xhr.status === 400 || evt.detail.xhr.status === 413)) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var box = bar(evt);
    if (!box) return;
    box.querySelector("progress").value = 100;
    box.querySelector("[data-progress-text]").textContent = evt.detail.successful || evt.detail.xhr.status < 500 ? (document.documentElement.lang === "en" ? "Done" : "已完成") : (document.documentElement.lang === "en" ? "Failed: try again" : "失败，请重试");
  });
})();
