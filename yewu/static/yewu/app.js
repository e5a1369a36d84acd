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
// Input limits are said, not silently applied: a browser cuts typed or pasted text at maxlength without a word,
// so the limit moves to data-maxlength and an over-long value shows "最多 N 个字符（现为 M）" and blocks the submit
// (the server refuses it too, naming the field and the limit).
(function () {
  function over(el) {
    var max = parseInt(el.dataset.maxlength, 10), n = el.value.length, hint = el._limitHint;
    var msg = n > max ? "最多 " + max + " 个字符（现为 " + n + "），请删减" : "";
    el.setCustomValidity(msg);
    if (msg && !hint) {
      hint = el._limitHint = document.createElement("span");
      hint.className = "field-error limit-error";
      hint.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", hint);
    }
    if (hint) { hint.textContent = msg; hint.hidden = !msg; }
  }
  function arm(root) {
    Array.prototype.forEach.call(root.querySelectorAll("input[maxlength], textarea[maxlength]"), function (el) {
      el.dataset.maxlength = el.getAttribute("maxlength");
      el.removeAttribute("maxlength");
      if (el.value) over(el);
    });
  }
  document.addEventListener("input", function (e) { if (e.target.dataset && e.target.dataset.maxlength) over(e.target); });
  document.addEventListener("DOMContentLoaded", function () { arm(document); });
  if (document.readyState !== "loading") arm(document);
})();
