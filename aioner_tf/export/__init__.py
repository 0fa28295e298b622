"""Exporting a trained model: a SavedModel for TF Serving and TFLite models for CPU inference."""
