// Renders the page's charts from the JSON the server put in <script id="home-charts" type="application/json">.
// Each chart's figures are also in the table under it and in its Excel export.
(function () {
  function init() {
    var el = document.getElementById("home-charts");
    if (!el || !window.echarts) return;
    var charts = JSON.parse(el.textContent), live = [];
    charts.forEach(function (c) {
      var box = document.querySelector('[data-chart="' + c.key + '"]');
      if (!box) return;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      var opt = c.option;
      opt.textStyle = { fontFamily: "WenQuanYi Micro Hei, PingFang SC, Microsoft YaHei, sans-serif" };
      chart.setOption(opt);
      live.push(chart);
    });
    window.addEventListener("resize", function () { live.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
