// Keyboard shortcuts and live SLA countdowns for the desk; everything else is server-rendered.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  function select(i) {
    var all = rows();
    if (!all.length) return;
    i = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r) { r.classList.remove("selected"); });
    all[i].classList.add("selected");
    all[i].scrollIntoView({ block: "nearest" });
  }
  function current() { return rows().findIndex(function (r) { return r.classList.contains("selected"); }); }
  function click(id) { var el = document.getElementById(id); if (el) el.click(); }
  function focus(id) { var el = document.getElementById(id); if (el && !el.readOnly) el.focus(); }

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target && e.target.id === "draft") {
      var form = document.getElementById("edit-form");  // Ctrl+Enter saves the edited draft, as the page says
      if (form && !e.target.readOnly) { e.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") {
      if (typing(e)) { e.target.blur(); return; }
      if (document.getElementById("back")) { click("back"); }
      return;
    }
    if (typing(e)) return;
    if (e.key === "j") { select(current() + 1); e.preventDefault(); }
    else if (e.key === "k") { select(current() - 1); e.preventDefault(); }
    else if (e.key === "Enter") {
      var row = rows()[current()];
      if (row) { var a = row.querySelector("a"); if (a) a.click(); e.preventDefault(); }
    }
    else if (e.key === "a") { click("approve"); }
    else if (e.key === "n") { click("next-case"); }
    else if (e.key === "e") { focus("draft"); e.preventDefault(); }
    else if (e.key === "r") { focus("reject-reason"); e.preventDefault(); }
  });

  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr[data-row]");
    if (row && e.target.tagName !== "A") { var a = row.querySelector("a"); if (a) a.click(); }
  });

  function fmt(ms) {
    var m = Math.abs(Math.round(ms / 60000)), text;
    if (m >= 1440) text = Math.floor(m / 1440) + "d " + Math.floor((m % 1440) / 60) + "h";
    else text = Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
    return Math.round(ms / 60000) < 0 ? "overdue " + text : text + " left";
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = el.getAttribute("data-due");
      if (!due) return;
      var left = new Date(due).getTime() - Date.now();
      el.textContent = fmt(left);
      if (left <= 0) el.classList.add("breached", "overdue");  // overdue is red, whatever the SLA state was
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("DOMContentLoaded", function () { if (rows().length && current() < 0) select(0); });
  document.addEventListener("htmx:afterSettle", function () { if (rows().length && current() < 0) select(0); });
})();
