"""The console's panes, one package each: dataset, config, run, runs, eval."""
