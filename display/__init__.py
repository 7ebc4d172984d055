"""Hall display: TV page assets and the voice agent (issue 4)."""
