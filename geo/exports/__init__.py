"""Layer 5, where numbers are drawn for briefings: map spec, static maps, HTML, slides, GIS layers, profiles, batches."""
