// Small helpers shared by pages (no build step; the Content-Security-Policy allows no inline event handlers).
document.addEventListener("change", function (e) {
  var el = e.target;
  if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
});
