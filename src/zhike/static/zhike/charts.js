/* zhike charts: draws every element with data-chart from the JSON beside it (a
 * <script type="application/json"> the server rendered from the report endpoint's answer),
 * with the vendored ECharts. No inline script (CSP); tooltips are drawn on the canvas
 * (renderMode richText), since HTML tooltips carry inline styles the CSP refuses.
 * Colours: the Okabe–Ito palette, told apart with colour-blindness. Money in 万 / 亿. */
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;

  function money(value) {
    if (value === null || value === undefined) return "—";
    var abs = Math.abs(value);
    if (zh) {
      if (abs >= 1e8) return (value / 1e8).toFixed(2) + " 亿";
      if (abs >= 1e4) return (value / 1e4).toFixed(abs >= 1e6 ? 0 : 1) + " 万";
      return String(Math.round(value));
    }
    if (abs >= 1e9) return (value / 1e9).toFixed(2) + "B";
    if (abs >= 1e6) return (value / 1e6).toFixed(1) + "M";
    if (abs >= 1e3) return (value / 1e3).toFixed(1) + "K";
    return String(Math.round(value));
  }

  function format(unit) {
    return function (value) {
      if (value === null || value === undefined) return "—";
      if (unit === "percent") return value.toFixed(1) + "%";
      if (unit === "count") return Math.round(value).toLocaleString();
      if (unit === "days") return value.toFixed(1);
      return money(value);
    };
  }

  function option(chart, narrow) {
    var base = {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: "inherit" },
      tooltip: { renderMode: "richText", trigger: chart.kind === "pie" || chart.kind === "funnel" ? "item" : "axis",
                 valueFormatter: format(chart.unit) },
      toolbox: { right: 0, top: 0, feature: { saveAsImage: { title: zh ? "保存为图片" : "Save as image", pixelRatio: 2 } } },
      legend: { type: "scroll", bottom: 0, show: chart.series.length > 1 || chart.kind === "pie" || chart.kind === "funnel" }
    };
    if (chart.kind === "pie") {
      base.series = [{ type: "pie", radius: narrow ? ["30%", "60%"] : ["35%", "65%"], top: 24, bottom: 28,
        label: narrow ? { show: false } : { formatter: "{b} {d}%" },
        data: chart.categories.map(function (name, i) { return { name: name, value: chart.series[0].data[i] }; }) }];
      return base;
    }
    if (chart.kind === "funnel") {
      base.series = [{ type: "funnel", top: 24, bottom: 28, sort: "none", label: { formatter: "{b} {c}" },
        data: chart.categories.map(function (name, i) { return { name: name, value: chart.series[0].data[i] }; }) }];
      return base;
    }
    var percentAxis = chart.series.some(function (s) { return s.kind === "line" && s.unit === "percent"; });
    base.grid = { left: 8, right: percentAxis ? 8 : 16, top: 40, bottom: chart.series.length > 1 ? 36 : 8, containLabel: true };
    base.xAxis = { type: "category", data: chart.categories,
                   axisLabel: { hideOverlap: true, rotate: narrow && chart.categories.length > 6 ? 45 : 0 } };
    base.yAxis = [{ type: "value", axisLabel: { formatter: format(chart.unit) } }];
    if (percentAxis) base.yAxis.push({ type: "value", axisLabel: { formatter: "{value}%" }, splitLine: { show: false } });
    base.series = chart.series.map(function (s) {
      var kind = s.kind || (chart.kind === "line" ? "line" : "bar");
      var item = { name: s.name, type: kind, data: s.data,
                   tooltip: { valueFormatter: format(s.unit || chart.unit) } };
      if (chart.stacked && kind === "bar") item.stack = "total";
      if (kind === "line" && s.unit === "percent" && percentAxis) item.yAxisIndex = 1;
      if (kind === "line") item.smooth = false;
      return item;
    });
    return base;
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) return;
    var chart = JSON.parse(source.textContent);
    if (!chart) return;
    var instance = window.echarts.init(el, null, { renderer: "canvas" });
    instance.setOption(option(chart, el.clientWidth < 480));
    el.setAttribute("data-drawn", "1");
    return instance;
  }

  function start() {
    var drawn = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      var instance = draw(el);
      if (instance) drawn.push(instance);
    });
    var pending;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
