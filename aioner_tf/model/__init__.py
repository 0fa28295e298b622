"""The AIONER model: encoder, CRF and the Keras model around them."""
