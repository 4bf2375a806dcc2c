"""Benchmarks: every page at 1× to 10,000× the demo programme, aggregations against pandas, concurrent users."""
