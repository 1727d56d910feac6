"""The scenarios (five of issue 6, the Merkle log of issue 12), each a `run(ctx) -> Section`."""
