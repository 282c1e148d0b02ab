"""Theme vocabulary, matching, discovery, curation, aggregates and reports."""
