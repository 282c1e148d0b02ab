"""The streaming batch loop and the run lifecycle."""
