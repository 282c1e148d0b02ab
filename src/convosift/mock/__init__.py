"""The local Intercom-compatible server and the synthetic inbox (demo, tests, benchmarks only)."""
