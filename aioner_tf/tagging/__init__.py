"""Tagging documents with a trained model."""
