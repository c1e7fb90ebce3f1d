"""The Python-Markdown extension: entity links, highlighted annotations, notes."""
