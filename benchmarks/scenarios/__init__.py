"""The five scenarios of issue 6, each a `run(ctx) -> Section`."""
