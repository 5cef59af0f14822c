// Draw the statistics chart beside the table, from the table's own data (the JSON block in the page).
// Bars for one dimension, a heat map for two; suppressed cells are drawn as hidden, never as a number.
// Runs under the strict content security policy: no inline script, no eval, no inline style element.
(function () {
  "use strict";

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function withoutStyleElements(node) {
    // Plot adds a <style> element; the policy refuses inline styles, and app.css carries the same rules.
    node.querySelectorAll("style").forEach(function (style) { style.remove(); });
    return node;
  }

  function bars(data, width) {
    var labelOf = {};
    data.rows.forEach(function (row) { labelOf[row.id] = row.label; });
    var narrow = width < 560;
    var cells = data.cells.map(function (cell) {
      return {label: labelOf[cell.row], count: cell.count, suppressed: cell.suppressed};
    });
    var shown = cells.filter(function (c) { return !c.suppressed; });
    var hidden = cells.filter(function (c) { return c.suppressed; });
    return Plot.plot({
      width: width,
      height: Math.max(120, 28 * cells.length + 40),
      marginLeft: narrow ? 140 : 240,
      marginRight: 40,
      x: {label: "Practices", grid: true},
      y: {label: null, domain: cells.map(function (c) { return c.label; }),
          tickFormat: function (t) { return shorten(t, narrow ? 20 : 36); }},
      marks: [
        Plot.barX(shown, {x: "count", y: "label", fill: "#0b4f71"}),
        Plot.text(shown, {x: "count", y: "label", text: "count", dx: 4, textAnchor: "start"}),
        Plot.text(hidden, {x: 0, y: "label", text: function () { return "hidden"; }, dx: 4,
                           textAnchor: "start", fill: "#566370"}),
        Plot.ruleX([0])
      ]
    });
  }

  function heatmap(data, width) {
    var rowLabel = {}, columnLabel = {};
    data.rows.forEach(function (row) { rowLabel[row.id] = row.label; });
    data.columns.forEach(function (column) { columnLabel[column.id] = column.label; });
    var narrow = width < 560;
    var cells = data.cells.map(function (cell) {
      return {row: rowLabel[cell.row], column: columnLabel[cell.column], count: cell.count,
              suppressed: cell.suppressed};
    });
    var shown = cells.filter(function (c) { return !c.suppressed; });
    var hidden = cells.filter(function (c) { return c.suppressed; });
    return Plot.plot({
      width: width,
      height: Math.max(140, 30 * data.rows.length + 70),
      marginLeft: narrow ? 130 : 240,
      marginBottom: 50,
      padding: 0.05,
      x: {label: null, domain: data.columns.map(function (c) { return c.label; }), tickRotate: narrow ? -45 : 0,
          tickFormat: function (t) { return shorten(t, narrow ? 8 : 16); }},
      y: {label: null, domain: data.rows.map(function (r) { return r.label; }),
          tickFormat: function (t) { return shorten(t, narrow ? 18 : 36); }},
      color: {type: "linear", scheme: "blues", zero: true},
      marks: [
        Plot.cell(hidden, {x: "column", y: "row", fill: "#e5e7eb"}),
        Plot.cell(shown, {x: "column", y: "row", fill: "count"}),
        Plot.text(shown, {x: "column", y: "row", text: "count", fill: "black", stroke: "white", strokeWidth: 3,
                          paintOrder: "stroke"})
      ]
    });
  }

  function draw() {
    var source = document.getElementById("stat-data");
    var target = document.getElementById("stat-chart");
    if (!source || !target || typeof Plot === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.cells.length) { return; }
    var width = Math.max(300, target.clientWidth || 640);
    var chart = data.columns.length ? heatmap(data, width) : bars(data, width);
    target.replaceChildren(withoutStyleElements(chart));
    target.setAttribute("data-drawn", data.columns.length ? "heatmap" : "bars");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
