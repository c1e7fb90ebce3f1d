"""Developer tools, not part of the ``briefing`` command: the performance benchmark
and the comparisons of a site built with and without Briefing, as HTML and in Chromium.
The top layer: it may import anything, and nothing imports it."""
