// Small helpers shared by pages (no build step; the Content-Security-Policy allows no inline event handlers).
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
});
// Navigation groups: one open at a time; a tap elsewhere or Esc closes them.
(function () {
  function groups() { return document.querySelectorAll("details.navgroup[open]"); }
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (!d.classList || !d.classList.contains("navgroup") || !d.open) return;
    groups().forEach(function (o) { if (o !== d) o.open = false; });
  }, true);
  document.addEventListener("click", function (e) {
    groups().forEach(function (o) { if (!o.contains(e.target)) o.open = false; });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") groups().forEach(function (o) { o.open = false; });
  });
})();
