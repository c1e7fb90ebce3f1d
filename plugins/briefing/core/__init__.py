"""The briefing itself: model, loading, matching, anchoring, diagnostics. No MkDocs,
no site: everything above builds on this."""
