"""Carbon inventories (issue 22): a user's grid, asset list or table of CO2, summed to Liaoning's cities and
counties and kept in the store beside the observed values.

Readers, one per form: :mod:`geo.carbon.geotiff`, :mod:`geo.carbon.netcdf`, :mod:`geo.carbon.assets`,
:mod:`geo.carbon.placetable`; units: :mod:`geo.carbon.units`; zonal sums with exact cell fractions:
:mod:`geo.carbon.grid`; the store and the interface: :mod:`geo.carbon.inventory` (tables in
:mod:`geo.carbon.schema`, migration 0003); the command line: :mod:`geo.carbon.commands` (``lnmap carbon``).
"""
