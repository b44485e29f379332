"""Local replicas of five portals, so the demo, tests and benchmarks never need the internet."""
