/* Briefing: place an opened annotation note next to its marker, and make
   "show the passage" links flash the highlighted text. No dependencies. */
(function () {
  "use strict";
  var supportsPopover = typeof HTMLElement !== "undefined" &&
    Object.prototype.hasOwnProperty.call(HTMLElement.prototype, "popover");

  function place(popover, marker) {
    if (window.innerWidth < 600) { popover.style.inset = ""; return; }  // centred on phones
    var r = marker.getBoundingClientRect();
    var width = popover.offsetWidth, height = popover.offsetHeight;
    var left = Math.min(Math.max(8, r.left - width / 2), window.innerWidth - width - 8);
    var top = r.bottom + 8;
    if (top + height > window.innerHeight - 8) top = Math.max(8, r.top - height - 8);
    popover.style.margin = "0";
    popover.style.inset = top + "px auto auto " + left + "px";
  }

  function flash(element) {
    if (!element) return;
    element.classList.add("bf-flash");
    setTimeout(function () { element.classList.remove("bf-flash"); }, 1600);
  }

  document.addEventListener("click", function (event) {
    var marker = event.target.closest && event.target.closest("button.bf-marker");
    if (marker && !supportsPopover) {
      location.hash = "bf-note-" + marker.id.replace("bf-ref-", "");
      return;
    }
    var back = event.target.closest && event.target.closest("a.bf-quote");
    if (back) {
      var ref = document.getElementById(back.getAttribute("href").slice(1));
      var mark = ref && ref.previousElementSibling;
      if (mark && mark.tagName === "MARK") flash(mark);
    }
  });

  document.addEventListener("toggle", function (event) {
    var popover = event.target;
    if (!popover.classList || !popover.classList.contains("bf-popover")) return;
    if (event.newState === "open") {
      var marker = document.getElementById(popover.id.replace("bf-pop-", "bf-ref-"));
      if (marker) place(popover, marker);
    }
  }, true);
})();
