"""Evaluation of a run's adapter against its base: preference accuracy with CIs, slices, generations.

Runs in its own process (`python -m trainer.evaluation`); the package root stays light so that the
console can import `trainer.evaluation.schema` helpers without pulling in torch.
"""
