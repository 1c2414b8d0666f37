"""How a built branch model is searched: a greedy warm start, then CP-SAT, CBC or both side by side."""
