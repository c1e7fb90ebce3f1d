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

  var MARKER = "a.bf-marker";

  // The note's popover, made from its list item the first time it opens: each note is
  // in the page once (and searched once); without script the marker is a plain link
  // to the note in the list.
  function popoverFor(marker) {
    var key = marker.id.replace("bf-ref-", "");
    var existing = document.getElementById("bf-pop-" + key);
    if (existing) return existing;
    var item = document.getElementById("bf-note-" + key);
    if (!item) return null;
    var kind = (marker.className.match(/bf-kind-[a-z-]+/) || ["bf-kind-context"])[0];
    var chipOf = item.querySelector(".bf-chip");
    var pop = document.createElement("div");
    pop.id = "bf-pop-" + key;
    pop.className = "bf-popover " + kind;
    pop.setAttribute("popover", "");
    pop.setAttribute("role", "dialog");
    pop.setAttribute("aria-label", marker.getAttribute("aria-label") || "Annotation");
    var head = document.createElement("p");
    head.className = "bf-annotation-head";
    var chip = document.createElement("span");
    chip.className = "bf-chip " + kind;
    chip.textContent = marker.textContent.trim() + " · " + (chipOf ? chipOf.textContent : "");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "bf-close";
    close.setAttribute("popovertarget", pop.id);
    close.setAttribute("popovertargetaction", "hide");
    close.setAttribute("aria-label", "Close note");
    close.textContent = "\u00d7";
    head.append(chip, close);
    pop.appendChild(head);
    item.querySelectorAll(".bf-note, .bf-about, .bf-sources, .bf-byline").forEach(function (el) {
      var copy = el.cloneNode(true);
      copy.querySelectorAll("[id]").forEach(function (node) { node.removeAttribute("id"); });
      pop.appendChild(copy);
    });
    var more = document.createElement("p");
    more.className = "bf-more";
    var link = document.createElement("a");
    link.href = "#bf-note-" + key;
    link.textContent = "In the list of annotations";
    more.appendChild(link);
    pop.appendChild(more);
    (marker.closest("article") || document.body).appendChild(pop);
    return pop;
  }

  // A press on the marker of an open note light-dismisses it before the click: note
  // that it was open, so that the click closes it instead of opening it again.
  var wasOpen = null;
  document.addEventListener("pointerdown", function (event) {
    var marker = event.target.closest && event.target.closest(MARKER);
    var pop = marker && document.getElementById(marker.id.replace("bf-ref-", "bf-pop-"));
    wasOpen = pop && pop.matches(":popover-open") ? pop : null;
  }, true);

  function open(marker) {
    var pop = popoverFor(marker);
    if (!pop) return;
    if (pop === wasOpen || pop.matches(":popover-open")) {
      wasOpen = null;
      if (pop.matches(":popover-open")) pop.hidePopover();
      return;
    }
    // The marker as the popover's source: the note follows it in the focus order.
    pop.showPopover({ source: marker });
  }

  if (supportsPopover) {
    document.querySelectorAll(MARKER).forEach(function (marker) {
      marker.setAttribute("role", "button");
      marker.setAttribute("aria-haspopup", "dialog");
      marker.setAttribute("aria-expanded", "false");
    });
  }

  document.addEventListener("click", function (event) {
    var marker = event.target.closest && event.target.closest(MARKER);
    if (marker && supportsPopover) {
      event.preventDefault();
      open(marker);
      return;
    }
    var back = event.target.closest && event.target.closest("a.bf-quote");
    if (back) {
      var ref = document.getElementById(back.getAttribute("href").slice(1));
      var mark = ref && ref.previousElementSibling;
      if (mark && mark.tagName === "MARK") flash(mark);
    }
  });

  // A button opens with Space too.
  document.addEventListener("keydown", function (event) {
    if (event.key !== " " || !supportsPopover) return;
    var marker = event.target.closest && event.target.closest(MARKER);
    if (!marker) return;
    event.preventDefault();
    open(marker);
  });

  document.addEventListener("toggle", function (event) {
    var popover = event.target;
    if (!popover.classList || !popover.classList.contains("bf-popover")) return;
    var marker = document.getElementById(popover.id.replace("bf-pop-", "bf-ref-"));
    if (!marker) return;
    marker.setAttribute("aria-expanded", String(event.newState === "open"));
    if (event.newState === "open") place(popover, marker);
  }, true);
})();

/* "Annotate this passage": select text in an article to suggest an annotation, as a
   prefilled GitHub issue or as a YAML entry to paste into the article's sidecar file. */
(function () {
  "use strict";
  var host = document.querySelector(".bf-annotate-passage");
  if (!host) return;
  var content = host.closest("article") || document.querySelector("article");
  var SKIP = ".bf-marker, .bf-popover, .bf-annotation-list, .bf-legend, #annotations, " +
    ".bf-article-meta, .bf-in-article, .headerlink, .md-content__button, h1, .bf-annotate-ui";

  function fold(text) { return text.replace(/\s+/g, " "); }

  // The text of a range as a reader sees it: no marker numbers, no notes.
  function visible(range) {
    var box = document.createElement("div");
    box.appendChild(range.cloneContents());
    box.querySelectorAll(SKIP).forEach(function (el) { el.remove(); });
    return fold(box.textContent);
  }

  function yamlString(text) { return JSON.stringify(text); }

  function entry(quote, prefix) {
    var lines = ["- quote: " + yamlString(quote)];
    if (prefix) lines.push("  prefix: " + yamlString(prefix));
    lines.push("  kind: context   # context, fact-check, definition, analysis, correction, question, update");
    lines.push("  note: |");
    lines.push("    Your note, in your own words.");
    lines.push("  sources:");
    lines.push('    - {title: "Where the facts come from", url: "https://..."}');
    return lines.join("\n") + "\n";
  }

  function describe(selection) {
    var range = selection.getRangeAt(0);
    if (!content.contains(range.commonAncestorContainer)) return null;
    var start = range.startContainer.nodeType === 1 ? range.startContainer
      : range.startContainer.parentElement;
    if (start && start.closest(SKIP)) return null;
    var quote = visible(range).trim();
    if (quote.length < 3) return null;
    var whole = document.createRange();
    whole.selectNodeContents(content);
    var all = visible(whole);
    var before = document.createRange();
    before.setStart(content, 0);
    before.setEnd(range.startContainer, range.startOffset);
    var offset = visible(before).length;
    var count = all.split(quote).length - 1;
    var prefix = "";
    if (count > 1) {
      var words = all.slice(0, offset).trim().split(" ");
      prefix = words.slice(Math.max(0, words.length - 4)).join(" ");
    }
    return { quote: quote, prefix: prefix, yaml: entry(quote, prefix) };
  }

  var ui = document.createElement("div");
  ui.className = "bf-annotate-ui md-typeset";
  ui.hidden = true;
  ui.innerHTML = '<button type="button" class="md-button md-button--primary bf-annotate-open">' +
    "Annotate this passage</button>" +
    '<div class="bf-annotate-menu" hidden>' +
    '<a class="md-button bf-annotate-issue" target="_blank" rel="noopener">Suggest it on GitHub</a> ' +
    '<button type="button" class="md-button bf-annotate-copy">Copy YAML entry</button>' +
    '<pre class="bf-annotate-yaml" tabindex="0"></pre></div>';
  document.body.appendChild(ui);
  var current = null;

  function hide() { ui.hidden = true; ui.querySelector(".bf-annotate-menu").hidden = true; }

  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      if (!ui.contains(document.activeElement)) hide();
      return;
    }
    var found = describe(selection);
    if (!found) return;
    current = found;
    var rect = selection.getRangeAt(0).getBoundingClientRect();
    ui.style.top = (window.scrollY + rect.bottom + 8) + "px";
    ui.style.left = Math.max(8, window.scrollX + rect.left) + "px";
    ui.hidden = false;
  });

  ui.querySelector(".bf-annotate-open").addEventListener("click", function () {
    if (!current) return;
    var menu = ui.querySelector(".bf-annotate-menu");
    var params = new URLSearchParams({
      template: "suggest-annotation.yml",
      title: "Annotation: " + host.dataset.title,
      article: host.dataset.article,
      quote: current.quote,
      yaml: current.yaml
    });
    ui.querySelector(".bf-annotate-issue").href = host.dataset.issueUrl + "?" + params.toString();
    ui.querySelector(".bf-annotate-yaml").textContent = current.yaml;
    menu.hidden = false;
    ui.querySelector(".bf-annotate-issue").focus();
  });

  ui.querySelector(".bf-annotate-copy").addEventListener("click", function (event) {
    if (!current) return;
    var button = event.currentTarget;
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(current.yaml).then(done, function () {});
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !ui.hidden) hide();
  });
})();

/* Reader controls on articles: link every mention of an entity or only the first one,
   and show or hide annotation highlights. Remembered across pages (localStorage). */
(function () {
  "use strict";
  var meta = document.querySelector(".bf-article-meta");
  if (!meta) return;
  var store = {
    get: function (key) { try { return localStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  };
  var root = document.documentElement;

  function linkAll(on) {
    document.querySelectorAll("span.bf-mention-repeat").forEach(function (span) {
      var first = document.querySelector('a.bf-mention[data-entity="' + span.dataset.entity + '"]');
      if (!first) return;
      if (on && !span.querySelector("a")) {
        var a = document.createElement("a");
        a.href = first.getAttribute("href");
        a.className = "bf-mention bf-repeat-link";
        a.title = first.getAttribute("title") || "";
        while (span.firstChild) a.appendChild(span.firstChild);
        span.appendChild(a);
      } else if (!on) {
        var link = span.querySelector("a.bf-repeat-link");
        if (link) { while (link.firstChild) span.insertBefore(link.firstChild, link); link.remove(); }
      }
    });
  }

  var controls = [
    { key: "bf-link-all", label: "Link every mention", apply: linkAll },
    { key: "bf-hide-highlights", label: "Hide highlights",
      apply: function (on) { root.classList.toggle("bf-no-highlights", on); } }
  ];
  var bar = document.createElement("div");
  bar.className = "bf-controls";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Reading options");
  controls.forEach(function (control) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "bf-toggle";
    button.dataset.control = control.key;
    button.textContent = control.label;
    var on = store.get(control.key) === "1";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    control.apply(on);
    button.addEventListener("click", function () {
      var now = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", now ? "true" : "false");
      store.set(control.key, now ? "1" : "0");
      control.apply(now);
    });
    bar.appendChild(button);
  });
  meta.appendChild(bar);
})();

/* Material's search dialog has no accessible name; give it one. */
document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (el) {
  el.setAttribute("aria-label", "Search");
});

/* Figures: pointing at or focusing an entity (or a timeline mark) shows its summary in
   the caption box under the figure and brings its connections forward. */
(function () {
  "use strict";
  function show(figure, item) {
    var caption = figure.querySelector(".bf-figure-caption");
    var title = item.querySelector("title");
    if (caption && title) caption.textContent = title.textContent;
    var id = item.dataset.id;
    if (!id) return;
    figure.classList.add("bf-focusing");
    figure.querySelectorAll(".bf-near").forEach(function (el) { el.classList.remove("bf-near"); });
    item.classList.add("bf-near");
    figure.querySelectorAll('.bf-edge[data-a="' + id + '"], .bf-edge[data-b="' + id + '"]').forEach(function (edge) {
      edge.classList.add("bf-near");
      var other = edge.dataset.a === id ? edge.dataset.b : edge.dataset.a;
      var node = figure.querySelector('.bf-node[data-id="' + other + '"]');
      if (node) node.classList.add("bf-near");
    });
  }
  function clear(figure) {
    figure.classList.remove("bf-focusing");
    figure.querySelectorAll(".bf-near").forEach(function (el) { el.classList.remove("bf-near"); });
  }
  function target(event) {
    var item = event.target.closest && event.target.closest(".bf-figure .bf-node, .bf-figure .bf-mark");
    return item ? { item: item, figure: item.closest(".bf-figure") } : null;
  }
  document.addEventListener("focusin", function (event) {
    var found = target(event);
    if (found) show(found.figure, found.item);
  });
  document.addEventListener("focusout", function (event) {
    var found = target(event);
    if (found) clear(found.figure);
  });
  document.addEventListener("mouseover", function (event) {
    var found = target(event);
    if (found) show(found.figure, found.item);
  });
  document.addEventListener("mouseout", function (event) {
    var found = target(event);
    if (found && !found.item.contains(event.relatedTarget) && found.item !== document.activeElement) {
      clear(found.figure);
    }
  });
})();
