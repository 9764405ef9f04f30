"""Layer 2, the places values belong to: boundaries, the gazetteer, regions, named sites, power plants."""
