"""Delivering a run: the adapter alone or merged into its base, with a model card, optionally pushed to the hub."""
