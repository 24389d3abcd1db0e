"""The training process (TRL DPOTrainer + PEFT LoRA) and its light contracts.

Nothing heavy is imported here: the console imports `trainer.config`, `trainer.protocol`,
`trainer.rundir`, `trainer.client` and `trainer.launch`, and must start without torch.
"""
