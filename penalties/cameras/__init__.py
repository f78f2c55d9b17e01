"""Cameras: the rows the candidates and the evidence chain hang on."""
