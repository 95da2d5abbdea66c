/* Draws the stage Sankey and the stage counts over time from the JSON the page embeds. */
(function () {
  "use strict";

  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
  var COLORS = { user: "#9ca3af", member: "#3b82f6", fan: "#8b5cf6", iron_fan: "#f59e0b", partner: "#16a34a" };

  function sankeyOption(data) {
    // Two columns (before → after) keep the graph acyclic: people move both ways.
    var nodes = [{ name: "新进入", itemStyle: { color: "#cbd5e1" } }];
    data.stages.forEach(function (s) {
      nodes.push({ name: "原·" + data.labels[s], itemStyle: { color: COLORS[s] } });
      nodes.push({ name: "现·" + data.labels[s], itemStyle: { color: COLORS[s] } });
    });
    var links = data.flows.map(function (f) {
      return { source: "原·" + data.labels[f.from], target: "现·" + data.labels[f.to], value: f.count };
    });
    data.stages.forEach(function (s) {
      if (data.entries[s]) links.push({ source: "新进入", target: "现·" + data.labels[s], value: data.entries[s] });
    });
    var used = {};
    links.forEach(function (l) { used[l.source] = used[l.target] = true; });
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey",
        left: 8, right: 72, top: 8, bottom: 8,
        nodeAlign: "justify",
        emphasis: { focus: "adjacency" },
        data: nodes.filter(function (n) { return used[n.name]; }),
        links: links,
        lineStyle: { color: "gradient", opacity: 0.35 },
        label: { color: "#374151" },
      }],
    };
  }

  function historyOption(data) {
    return {
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0, icon: "roundRect", itemWidth: 12, itemHeight: 8 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.history.map(function (p) { return p.ts.slice(5, 10); }),
        axisLabel: { color: "#6b7280" },
        axisLine: { lineStyle: { color: "#d1d5db" } },
      },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#6b7280" }, splitLine: { lineStyle: { color: "#eef0f4" } } },
      series: data.stages.map(function (s) {
        return {
          name: data.labels[s], type: "line", stack: "all", areaStyle: { opacity: 0.5 }, showSymbol: false,
          color: COLORS[s], data: data.history.map(function (p) { return p[s]; }),
        };
      }),
    };
  }

  function draw() {
    var node = document.getElementById("retain-stages-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var charts = [];
    var sankey = document.getElementById("chart-sankey");
    if (sankey) {
      var chart = echarts.init(sankey, null, { renderer: "canvas" });
      chart.setOption(sankeyOption(data));
      charts.push(chart);
    }
    var history = document.getElementById("chart-stages");
    if (history) {
      var line = echarts.init(history, null, { renderer: "canvas" });
      line.setOption(historyOption(data));
      charts.push(line);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
