"""Briefing: YAML-annotated articles into an annotated briefing site and book.

The package is layered; imports run one way, from the top of this list down:

- ``cli``: the ``briefing`` command (check, pdf, new, heal, import, ...);
- ``hosts``: what runs the generator: the MkDocs plugin, the plain export;
- ``book``: the PDF book;
- ``site``: the generated pages, figures, search setup, open data, CSP;
- ``markdown``: the Python-Markdown extension that links and annotates a page;
- ``core``: the model, loading, matching, anchoring and diagnostics (no MkDocs).
"""
