"""The PDF book: the site's pages written as Typst, laid out in parts and joined."""
