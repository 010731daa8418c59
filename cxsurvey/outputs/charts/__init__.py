"""Charts of figures: what each chart shows (spec) and drawing it (draw, matplotlib)."""
