/* Draws the group-buy page's charts from the JSON the server embeds. */
(function () {
  "use strict";
  var FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";

  function draw() {
    var node = document.getElementById("groupbuy-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var gmv = document.getElementById("chart-gmv");
    if (gmv) {
      echarts.init(gmv, null, { renderer: "canvas", locale: "ZH" }).setOption({
        textStyle: { fontFamily: FONT },
        color: ["#2563eb"],
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.days,
                 axisLabel: { color: "#6b7280", formatter: function (d) { return d.slice(5); } } },
        yAxis: { type: "value", axisLabel: { color: "#6b7280" } },
        series: [{ name: "GMV（元）", type: "bar", data: data.gmv }],
      });
    }
    var groups = document.getElementById("chart-groups");
    if (groups) {
      echarts.init(groups, null, { renderer: "canvas", locale: "ZH" }).setOption({
        textStyle: { fontFamily: FONT },
        tooltip: { trigger: "item", formatter: "{b}：¥{c}（{d}%）" },
        series: [{ type: "pie", radius: ["40%", "70%"], data: data.groups,
                   label: { formatter: "{b}\n¥{c}", overflow: "break", width: 120 } }],
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
