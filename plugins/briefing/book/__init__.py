"""The PDF book: laid out in parts with WeasyPrint and joined."""
