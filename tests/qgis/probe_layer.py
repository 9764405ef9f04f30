"""Open an exported layer in QGIS (headless) and print what QGIS sees, as one JSON line.

Run by the system Python that has ``python3-qgis``: ``probe_layer.py URI [PNG]``. That
Python may crash at exit after ``exitQgis()``, so callers read the JSON, not the exit code.
"""

import json
import sys

from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

app = QgsApplication([], False)
app.initQgis()
uri = sys.argv[1]
layer = QgsVectorLayer(uri, "probe", "ogr")
out = {"valid": layer.isValid(), "features": layer.featureCount(), "crs": layer.crs().authid()}
renderer = layer.renderer()
out["renderer"] = renderer.type() if renderer else None
if out["renderer"] == "graduatedSymbol":
    out["class_attribute"] = renderer.classAttribute()
    out["ranges"] = [{"lower": r.lowerValue(), "upper": r.upperValue(), "label": r.label(),
                      "colour": r.symbol().color().name()} for r in renderer.ranges()]
fields = layer.fields()
out["fields"] = [f.name() for f in fields]
out["aliases"] = {f.name(): layer.attributeAlias(i) for i, f in enumerate(fields)}
out["attributes"] = [{f.name(): (v if isinstance(v, (int, float, str)) or v is None else str(v))
                      for f, v in zip(fields, feat.attributes())} for feat in layer.getFeatures()]
out["invalid_geometries"] = sum(not feat.geometry().isGeosValid() for feat in layer.getFeatures())
n, ids, names, descriptions, err = layer.listStylesInDatabase()
out["db_styles"] = list(names)
if len(sys.argv) > 2:
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent().buffered(0.1))
    settings.setOutputSize(QSize(900, 700))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    out["png"] = image.save(sys.argv[2], "PNG")
    # The colour drawn at a point inside each feature.
    to_pixel = settings.mapToPixel()
    out["rendered_colours"] = {}
    for feat in layer.getFeatures():
        pt = to_pixel.transform(feat.geometry().pointOnSurface().asPoint())
        out["rendered_colours"][str(feat["adcode"])] = image.pixelColor(int(pt.x()), int(pt.y())).name()
print(json.dumps(out, ensure_ascii=False), flush=True)
app.exitQgis()
