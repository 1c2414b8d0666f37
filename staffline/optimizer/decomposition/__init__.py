"""The decomposition engine: one schedule per employee priced by DP, an LP master, dives, local search and a CP-SAT polish."""
