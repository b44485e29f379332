"""Local replicas of three portals, so the demo, tests and benchmarks never need the internet."""
