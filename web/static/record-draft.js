/* The inspection record form's draft, kept in this browser as well as on the server.
 *
 * htmx posts the form to /inspections/<id>/draft on every change (the server keeps the draft).
 * This file keeps a copy in localStorage too, stamped with the time it was typed, so what was
 * typed while the connection was down, or after the session ended, is not lost: on the next
 * load, a local copy newer than the server's draft is put back into the form and sent again.
 * It also shows the server's refusals of a draft beside their fields, and says plainly when a
 * save did not reach the server. A file, not an inline script: the CSP forbids those.
 */
(function () {
  "use strict";

  function serialise(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button") {
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") {
        if (!(el.name in fields)) { fields[el.name] = []; }
        if (el.checked) { fields[el.name].push(el.value); }
      } else {
        fields[el.name] = [el.value];
      }
    });
    return fields;
  }

  function restore(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in fields) || el.type === "hidden") { return; }
      var values = fields[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else {
        el.value = values.length ? values[0] : "";
      }
    });
  }

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function setStamp(form, value) {
    var input = form.querySelector("input[name=typed_at]");
    if (input) { input.value = String(value); }
  }

  function store(form) {
    var now = Date.now();
    setStamp(form, now);
    try {
      window.localStorage.setItem(
        form.dataset.draftKey, JSON.stringify({ typedAt: now, fields: serialise(form) })
      );
    } catch (e) {
      /* storage full or refused: the server's draft still holds it */
    }
  }

  function notice(text) {
    var el = document.getElementById("draft-notice");
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      el.textContent = "";
      el.hidden = true;
    });
  }

  function showErrors(form, body) {
    clearErrors(form);
    var list = (body && (body.fields || body.reasons)) || [];
    var loose = [];
    list.forEach(function (r) {
      var el = r.field ? form.querySelector('[data-error-for="' + CSS.escape(r.field) + '"]') : null;
      if (el) {
        el.textContent = r.zh;
        el.hidden = false;
      } else {
        loose.push(r.zh);
      }
    });
    if (!list.length && body && body.message_zh) { loose.push(body.message_zh); }
    notice(loose.length ? "草稿未保存：" + loose.join("；") : "草稿未保存：请按提示修改。");
  }

  function forgetFinished() {
    document.querySelectorAll("[data-draft-done]").forEach(function (el) {
      var prefix = el.dataset.draftDone;
      try {
        for (var n = window.localStorage.length - 1; n >= 0; n -= 1) {
          var key = window.localStorage.key(n);
          if (key && key.indexOf(prefix) === 0) { window.localStorage.removeItem(key); }
        }
      } catch (e) {
        /* nothing to forget */
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetFinished();
    var form = document.getElementById("record-form");
    if (!form || !form.dataset.draftKey) { return; }
    var serverAt = Number(form.dataset.draftTypedAt || 0);
    var local = read(form.dataset.draftKey);

    // capture: the stamp is set before htmx reads the form for its request
    form.addEventListener("input", function () { store(form); }, true);
    form.addEventListener("change", function () { store(form); }, true);

    document.body.addEventListener("htmx:afterRequest", function (evt) {
      if (evt.detail.elt !== form) { return; }
      var xhr = evt.detail.xhr;
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      // the session ended (401), or with it the form's security token (400 csrf)
      var ended = xhr.status === 401 || (xhr.status === 400 && body && body.error === "csrf");
      if (evt.detail.successful) {
        clearErrors(form);
        notice("");
      } else if (ended) {
        notice("登录已过期：填写的内容已保存在本机。请重新登录后回到本页，草稿将自动恢复。");
      } else if (xhr.status === 422) {
        showErrors(form, body);
      } else if (xhr.status) {
        var why = body && body.message_zh ? "：" + body.message_zh : "（" + xhr.status + "）";
        notice("草稿未能保存到服务器" + why + "。内容已保存在本机。");
      }
    });
    document.body.addEventListener("htmx:sendError", function (evt) {
      if (evt.detail.elt !== form) { return; }
      notice("网络连接中断：填写的内容已保存在本机，恢复连接后继续填写即可同步。");
    });

    if (local && local.fields && Number(local.typedAt) > serverAt) {
      restore(form, local.fields);
      setStamp(form, local.typedAt);
      notice("已恢复本机保存的较新草稿，正在同步到服务器。");
      var status = document.getElementById("draft-status");
      if (status) { status.textContent = "本机草稿同步中……"; }
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
