"""The case workflow: the LangGraph graph, its typed state and nodes, the engine and workers that run it, the job
queue's read side, customer replies, and the start-up, simulation and Studio entry points."""
