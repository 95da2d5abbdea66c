/* Draws the word-of-mouth page's charts from the JSON the server embeds. */
(function () {
  "use strict";
  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
  var GRID = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    option.textStyle = { fontFamily: FONT };
    echarts.init(node, null, { renderer: "canvas", locale: "ZH" }).setOption(option);
  }

  function draw() {
    var node = document.getElementById("attract-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    chart("chart-growth", {
      color: ["#2563eb", "#f59e0b"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: data.growth.days },
      yAxis: { type: "value" },
      series: [
        { name: "实际累计有效邀请", type: "line", showSymbol: false, data: data.growth.observed },
        { name: "K 与周期预测", type: "line", showSymbol: false, lineStyle: { type: "dashed" },
          data: data.growth.predicted },
      ],
    });
    chart("chart-funnel", {
      color: ["#9ca3af", "#16a34a"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: data.funnel.map(function (r) { return r.stage; }) },
      yAxis: { type: "log", logBase: 10, min: 1 },
      series: [
        { name: "广告漏斗（种子 002）", type: "bar", data: data.funnel.map(function (r) { return r.ad; }) },
        { name: "本社群", type: "bar", data: data.funnel.map(function (r) { return Math.max(r.community, 1); }) },
      ],
    });
    var tree = document.getElementById("chart-tree");
    if (tree) tree.style.height = "520px";
    chart("chart-tree", {
      tooltip: { trigger: "item", formatter: function (p) { return p.name + "（" + p.value + "）"; } },
      series: data.tree.slice(0, 6).map(function (root, i) {
        var width = 100 / Math.min(data.tree.length, 6);
        return { type: "tree", data: [root], orient: "TB", initialTreeDepth: 4, symbolSize: 7,
                 left: (i * width + 1) + "%", width: (width - 2) + "%", top: "6%", bottom: "6%",
                 label: { fontSize: 10 }, expandAndCollapse: true };
      }),
    });
  }

  // Reach and influence arrive later (/fission/reach), swapped in by htmx.
  function drawReach() {
    var node = document.getElementById("attract-reach-data");
    if (!node || node.dataset.drawn || typeof echarts === "undefined") return;
    node.dataset.drawn = "1";
    var data = JSON.parse(node.textContent);
    chart("chart-reach", {
      color: ["#16a34a", "#d1d5db"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: ["1 度", "2 度", "3 度"] },
      yAxis: { type: "log", logBase: 10, min: 1 },
      series: [
        { name: "实际人均", type: "bar", data: data.reach.observed.map(function (v) { return Math.max(v, 1); }) },
        { name: "理想 30/900/27000", type: "bar", data: data.reach.ideal },
      ],
    });
    chart("chart-metcalfe", {
      color: ["#2563eb", "#dc2626"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: GRID,
      xAxis: { type: "category", data: data.metcalfe.map(function (r) { return r.month; }) },
      yAxis: [{ type: "value", name: "人" }, { type: "value", name: "n²" }],
      series: [
        { name: "累计入群", type: "line", data: data.metcalfe.map(function (r) { return r.people; }) },
        { name: "n²", type: "line", yAxisIndex: 1, data: data.metcalfe.map(function (r) { return r.n2; }) },
      ],
    });
  }

  function drawAll() {
    draw();
    drawReach();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
  document.addEventListener("htmx:after:swap", drawReach);
  document.addEventListener("htmx:after:settle", drawReach);
})();
