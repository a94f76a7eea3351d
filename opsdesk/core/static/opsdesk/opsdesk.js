// Small behaviours shared by every agent page (no build step, no framework).
(function () {
  "use strict";
  // The top bar's search type-ahead: Escape or a click elsewhere closes the suggestions.
  function closeSuggestions() {
    var box = document.getElementById("global-search-suggestions");
    if (box) box.innerHTML = "";
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeSuggestions();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest('[data-testid="global-search"]')) closeSuggestions();
  });
})();
