/* Draws the overview's charts from the JSON the server embeds; redraws after htmx swaps. */
(function () {
  "use strict";

  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
  var charts = [];
  var firstDraw = true;

  function thousands(value) {
    return Number(value).toLocaleString("zh-CN");
  }

  function chartIn(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    if (charts.indexOf(chart) < 0) charts.push(chart);
    return chart;
  }

  function flowOption(data) {
    var many = data.days.length > 60;
    return {
      animation: firstDraw,
      textStyle: { fontFamily: FONT },
      color: ["#16a34a", "#dc4c3f"],
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0, icon: "roundRect", itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 16, top: 36, bottom: many ? 48 : 8, containLabel: true },
      xAxis: {
        type: "category",
        boundaryGap: false,
        data: data.days,
        axisLabel: { color: "#6b7280", formatter: function (day) { return day.slice(5); } },
        axisLine: { lineStyle: { color: "#d1d5db" } },
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLabel: { color: "#6b7280" },
        splitLine: { lineStyle: { color: "#eef0f4" } },
      },
      dataZoom: many
        ? [{ type: "inside", start: 100 - (9000 / data.days.length) }, { type: "slider", height: 16, bottom: 8 }]
        : [],
      series: [
        // Light smoothing only: daily counts should not overshoot below zero or past a peak.
        { name: "入群", type: "line", smooth: 0.2, showSymbol: false, data: data.joins, areaStyle: { opacity: 0.08 } },
        { name: "退群", type: "line", smooth: 0.2, showSymbol: false, data: data.leaves, areaStyle: { opacity: 0.08 } },
      ],
    };
  }

  function mixOption(data) {
    return {
      animation: firstDraw,
      textStyle: { fontFamily: FONT },
      tooltip: {
        trigger: "item",
        formatter: function (p) { return p.name + "（" + p.data.kind + "）：" + thousands(p.value); },
      },
      grid: { left: 8, right: 56, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: "value", show: false },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.mix.map(function (k) { return k.name; }),
        axisTick: { show: false },
        axisLine: { show: false },
        axisLabel: { color: "#4b5563" },
      },
      series: [{
        type: "bar",
        barMaxWidth: 18,
        data: data.mix.map(function (k) { return { value: k.value, kind: k.kind }; }),
        itemStyle: { color: "#3b82f6", borderRadius: [0, 4, 4, 0] },
        label: { show: true, position: "right", color: "#4b5563", formatter: function (p) { return thousands(p.value); } },
      }],
    };
  }

  function draw() {
    // Charts whose container htmx replaced are gone from the page: free them.
    charts = charts.filter(function (chart) {
      if (chart.getDom().isConnected) return true;
      chart.dispose();
      return false;
    });
    var node = document.getElementById("overview-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var flow = chartIn("chart-flow");
    if (flow) flow.setOption(flowOption(data), true);
    var mix = chartIn("chart-mix");
    if (mix) mix.setOption(mixOption(data), true);
    firstDraw = false;
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:after:swap", draw);
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
