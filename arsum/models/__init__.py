"""The model layer: catalogue, store, devices, backends and the seq2seq engine; knows nothing of releases."""
