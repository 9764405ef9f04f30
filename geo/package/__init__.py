"""Layer 4, the data package: built from the source documents and references, and validated."""
