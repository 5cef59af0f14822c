// Keeps the phone's filter panel open, and focus where it was, when htmx replaces the results as filters change.
(function () {
  "use strict";
  var open = false;
  var focused = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var fold = document.getElementById("filters-fold");
    open = Boolean(fold && fold.open);
    focused = document.activeElement && document.activeElement.id ? document.activeElement.id : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var fold = document.getElementById("filters-fold");
    if (fold && open) { fold.open = true; }
    if (focused && (!document.activeElement || document.activeElement.id !== focused)) {
      var again = document.getElementById(focused);
      if (again) { again.focus({ preventScroll: true }); }
    }
  });
})();
