"""Layer 0, the base every other package uses: errors, settings, datum, classes, provenance, files, dates,
symbols, fonts, words."""
