"""What runs the generator: the MkDocs plugin (and its config and docs vetting)."""
