"""What runs the generator: the MkDocs plugin (and its config and docs vetting)."""

import gc

# MkDocs imports this package while it reads a configuration that names the plugin. What
# is alive then (the interpreter's and MkDocs' modules, the configuration read so far)
# lives as long as the process: frozen before Briefing's modules and pydantic are
# imported, it is not walked by the full collection that importing them sets off (17 to
# 20 ms of a build, a tenth of what Briefing adds to a ten-page site's). Objects frozen
# are still freed when nothing refers to them; only cycles among them would stay.
gc.freeze()
