"""Training: strategy, optimiser schedule, dev-set early stopping, checkpoints and resume."""
