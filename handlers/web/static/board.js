// The board's one script: reads Telegram's initData (window.Telegram.WebApp when the
// client's script is there, else the launch parameters Telegram puts in the URL's hash),
// applies the theme, and loads the board and its cells with the initData as credentials.
(function () {
  "use strict";
  var app = document.getElementById("app");
  var panel = document.getElementById("cell");
  var tg = window.Telegram && window.Telegram.WebApp;
  var launch = new URLSearchParams(location.hash.slice(1));
  var initData = (tg && tg.initData) || launch.get("tgWebAppData") || "";
  try {
    if (initData) sessionStorage.setItem("board-tma", initData);
    else initData = sessionStorage.getItem("board-tma") || "";
  } catch (e) { /* storage may be off */ }

  function postEvent(type, data) {
    var body = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, body);
      else if (window.external && "notify" in window.external)
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      else if (window.parent !== window)
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
    } catch (e) { /* not in Telegram */ }
  }

  function applyTheme(theme) {
    var style = document.documentElement.style;
    Object.keys(theme || {}).forEach(function (key) {
      if (/^[a-z_]+$/.test(key) && /^#[0-9a-fA-F]{3,8}$/.test(String(theme[key])))
        style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), theme[key]);
    });
  }
  var theme = tg && tg.themeParams;
  if (!theme) { try { theme = JSON.parse(launch.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; } }
  applyTheme(theme);
  if (tg) {
    if (tg.ready) tg.ready();
    if (tg.expand) tg.expand();
    if (tg.onEvent) tg.onEvent("themeChanged", function () { applyTheme(tg.themeParams); });
  } else { postEvent("web_app_ready"); postEvent("web_app_expand"); }

  function message(status) {
    var key = status === 401 ? "unauthorised" : status === 403 ? "forbidden" :
      status === 404 ? "notFound" : "failed";
    var p = document.createElement("p");
    p.className = "note error";
    p.id = "error";
    p.dataset.status = String(status);
    p.textContent = app.dataset[key];
    return p;
  }

  function get(path) {
    return fetch(path, { headers: { Authorization: "tma " + initData }, credentials: "omit" })
      .then(function (response) {
        if (!response.ok) { var e = new Error("HTTP " + response.status); e.status = response.status; throw e; }
        return response.text();
      });
  }

  function load(query, push) {
    app.setAttribute("aria-busy", "true");
    return get("api/view" + (query ? "?" + query : "")).then(function (html) {
      app.innerHTML = html;
      var url = location.pathname + (query ? "?" + query : "") + location.hash;
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
      app.dataset.query = query;
      app.removeAttribute("aria-busy");
      closePanel();
    }).catch(function (e) {
      app.replaceChildren(message(e.status || 0));
      app.removeAttribute("aria-busy");
    });
  }

  function formQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) params.append(key, value); });
    return params.toString();
  }

  function closePanel() { panel.hidden = true; panel.replaceChildren(); var s = app.querySelector("td.sel"); if (s) s.classList.remove("sel"); }

  function openCell(td) {
    var table = document.getElementById("board");
    var row = td.parentElement;
    var head = table.tHead.rows[0].cells[td.cellIndex];
    if (!head || !head.dataset.c || !row.dataset.m) return;
    var query = table.dataset.query;
    var path = "api/cell?" + (query ? query + "&" : "") + "m=" + row.dataset.m + "&c=" + encodeURIComponent(head.dataset.c);
    var old = app.querySelector("td.sel"); if (old) old.classList.remove("sel");
    td.classList.add("sel");
    get(path).then(function (html) { panel.innerHTML = html; panel.hidden = false; })
      .catch(function (e) { panel.replaceChildren(message(e.status || 0)); panel.hidden = false; });
  }

  function download(link) {
    var url = new URL(link.getAttribute("href"), location.href);
    url.searchParams.set("tma", initData);
    var name = link.dataset.name || link.textContent.trim();
    if (tg && tg.downloadFile && tg.isVersionAtLeast && tg.isVersionAtLeast("8.0")) {
      tg.downloadFile({ url: url.href, file_name: name });
      return;
    }
    // Without Telegram's script: ask the client itself (Bot API 8.0 clients save files).
    if (!tg && parseFloat(launch.get("tgWebAppVersion") || "0") >= 8 &&
        (window.TelegramWebviewProxy || window.parent !== window)) {
      postEvent("web_app_request_file_download", { url: url.href, file_name: name });
      return;
    }
    var a = document.createElement("a");
    a.href = url.href; a.download = link.dataset.name || "";
    document.body.appendChild(a); a.click(); a.remove();
  }

  document.addEventListener("submit", function (event) {
    if (event.target.id !== "filters") return;
    event.preventDefault();
    load(formQuery(event.target), true);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.id === "filters" && event.target.tagName === "SELECT") load(formQuery(form), true);
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    var link = target.closest && target.closest("a");
    if (link && link.classList.contains("dl")) { event.preventDefault(); download(link); return; }
    if (link && link.classList.contains("reset")) { event.preventDefault(); load(link.dataset.query, true); return; }
    if (link && link.classList.contains("share")) {
      event.preventDefault();
      var url = new URL(link.getAttribute("href"), location.href).href;
      if (navigator.clipboard) navigator.clipboard.writeText(url).catch(function () {});
      return;
    }
    if (target.closest && target.closest(".close")) { closePanel(); return; }
    var td = target.closest && target.closest("#board tbody td");
    if (td && td.className && !td.classList.contains("t")) openCell(td);
  });
  window.addEventListener("popstate", function () { load(location.search.slice(1), false); });

  if (!initData) { var p = document.createElement("p"); p.className = "note"; p.id = "error"; p.dataset.status = "0"; p.textContent = app.dataset.open; app.replaceChildren(p); return; }
  load(location.search.slice(1), false);
})();
