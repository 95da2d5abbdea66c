/* Draws the ladder page's charts from the JSON the server embeds: funnel, Sankey, step-up days. */
(function () {
  "use strict";

  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
  var COLORS = ["#94a3b8", "#3b82f6", "#16a34a", "#f59e0b", "#dc4c3f", "#8b5cf6"];

  function chart(id) {
    var el = document.getElementById(id);
    return el ? echarts.init(el, null, { renderer: "canvas", locale: "ZH" }) : null;
  }

  function funnel(data) {
    var names = data.rungs.map(function (r) { return r.name; });
    return {
      textStyle: { fontFamily: FONT },
      color: ["#93c5fd", "#2563eb"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 40, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "log", logBase: 10, min: 1, show: false },
      yAxis: { type: "category", inverse: true, data: names, axisTick: { show: false }, axisLine: { show: false },
               axisLabel: { color: "#4b5563", formatter: function (n) { return n.replace(/^.*·/, ""); } } },
      series: [
        { name: "成员", type: "bar", barGap: "10%", barMaxWidth: 16, data: data.rungs.map(function (r) { return r.members || null; }),
          label: { show: true, position: "right", color: "#6b7280" }, itemStyle: { borderRadius: [0, 4, 4, 0] } },
        { name: "付费", type: "bar", barMaxWidth: 16, data: data.rungs.map(function (r) { return r.payers || null; }),
          label: { show: true, position: "right", color: "#1d4ed8" }, itemStyle: { borderRadius: [0, 4, 4, 0] } },
      ],
    };
  }

  function sankey(data) {
    var nodes = {};
    data.links.forEach(function (l) { nodes[l.source] = 1; nodes[l.target] = 1; });
    var order = Object.keys(nodes);
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: function (p) {
        return p.dataType === "edge" ? p.data.source + " → " + p.data.target + "：" + p.data.value + " 人" : p.name;
      } },
      series: [{
        type: "sankey", left: 8, right: 120, top: 8, bottom: 8, nodeWidth: 12, nodeGap: 10,
        layoutIterations: 0, draggable: false, emphasis: { focus: "adjacency" },
        data: order.map(function (name, i) {
          return { name: name, itemStyle: { color: COLORS[i % COLORS.length] } };
        }),
        links: data.links,
        lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
        label: { color: "#374151", formatter: function (p) { return p.name.replace("果园鲜生·", ""); } },
      }],
    };
  }

  function steps(data) {
    return {
      textStyle: { fontFamily: FONT },
      color: ["#16a34a", "#f59e0b"],
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.steps.map(function (s) { return s.name.replace(/果园鲜生·/g, ""); }),
               axisLabel: { color: "#6b7280", interval: 0 } },
      yAxis: [
        { type: "value", axisLabel: { color: "#6b7280", formatter: "{value} 天" }, splitLine: { lineStyle: { color: "#eef0f4" } } },
        { type: "value", max: 100, axisLabel: { color: "#6b7280", formatter: "{value}%" }, splitLine: { show: false } },
      ],
      series: [
        { name: "升级天数（中位）", type: "bar", barMaxWidth: 28, data: data.steps.map(function (s) { return s.median_days; }),
          label: { show: true, position: "top", color: "#15803d" }, itemStyle: { borderRadius: [4, 4, 0, 0] } },
        { name: "升级率", type: "line", yAxisIndex: 1, symbolSize: 7,
          data: data.steps.map(function (s) { return s.rate === null ? null : Math.round(s.rate * 1000) / 10; }) },
      ],
    };
  }

  function draw() {
    var node = document.getElementById("ladder-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var charts = [["chart-funnel", funnel], ["chart-sankey", sankey], ["chart-steps", steps]].map(function (pair) {
      var c = chart(pair[0]);
      if (c) c.setOption(pair[1](data));
      return c;
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { if (c) c.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
