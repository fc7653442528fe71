(function () {
  "use strict";
  var d = document;
  var main = d.getElementById("report");
  var bar = d.getElementById("tt-toolbar");
  function setOpen(open) {
    main.querySelectorAll("details.finding").forEach(function (e) { e.open = open; });
  }
  window.addEventListener("beforeprint", function () { if (main) { setOpen(true); } });
  if (!main || !bar) { return; }
  var title = d.createElement("span");
  title.className = "tt-toolbar-label";
  title.textContent = "Show";
  bar.appendChild(title);
  ["critical", "high", "medium", "low", "info"].forEach(function (sev) {
    // A grouped entry stands for data-count findings.
    var n = 0;
    main.querySelectorAll("details.finding.sev-" + sev).forEach(function (e) {
      n += parseInt(e.getAttribute("data-count"), 10) || 1;
    });
    if (n === 0) { return; }
    var box = d.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.id = "tt-filter-" + sev;
    box.addEventListener("change", function () { main.classList.toggle("hide-" + sev, !box.checked); });
    var label = d.createElement("label");
    label.className = "sev-" + sev;
    label.appendChild(box);
    label.appendChild(d.createTextNode(sev + " (" + n + ")"));
    bar.appendChild(label);
  });
  [["Expand all", true], ["Collapse all", false]].forEach(function (b) {
    var button = d.createElement("button");
    button.type = "button";
    button.textContent = b[0];
    button.addEventListener("click", function () { setOpen(b[1]); });
    bar.appendChild(button);
  });
  bar.hidden = false;
  d.documentElement.setAttribute("data-tt-js", "ready");
})();
