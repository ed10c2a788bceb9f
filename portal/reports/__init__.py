"""PDF reports: the shared document builder (fonts, styles, page furniture) lives in :mod:`.document`."""
