// Live reload for `mkdocs serve`, loaded from the site. MkDocs puts its own live-reload
// code inline in each page it serves, and the pages' Content-Security-Policy
// (script-src 'self' and the theme's hashes) rightly blocks inline code it does not
// know; so the plugin has the server load this file instead, with the page's build
// number ("epoch") and a request id in data attributes. It asks the server, as MkDocs'
// own code does, whether a newer build exists, and reloads the page when one does.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var epoch = Number(script.getAttribute("data-epoch"));
  var id = script.getAttribute("data-request");
  var request = null;
  var timer = null;

  function stop() {
    var pending = request;
    request = null;
    if (pending) {
      pending.onloadend = null;
      pending.abort();
    }
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  }

  function poll() {
    stop();
    var current = new XMLHttpRequest();
    current.onloadend = function () {
      if (request !== current) {
        return;
      }
      request = null;
      if (Number(current.responseText) > epoch) {
        location.reload();
      } else {
        timer = setTimeout(poll, current.status === 200 ? 0 : 3000);
      }
    };
    current.open("GET", "/livereload/" + epoch + "/" + id);
    current.send();
    request = current;
  }

  window.addEventListener("load", function () {
    if (document.visibilityState === "visible") {
      poll();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      poll();
    } else {
      stop();
    }
  });
  window.addEventListener("beforeunload", stop);
})();
