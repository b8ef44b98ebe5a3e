"""Loads every hexbeat OGC API collection in real QGIS (its "oapif" provider, as the
"Add WFS / OGC API - Features Layer" dialog does) and asks for the features in a box over
central Milton Keynes; then reads the incidents' CSV download in British National Grid
(EPSG:27700). Run by scripts/qgis-check.sh; needs Debian's python3-qgis."""
import csv
import json
import math
import os
import sys
import tempfile
import urllib.request

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeatureRequest,
                       QgsProject, QgsRectangle, QgsVectorLayer)

base = sys.argv[1].rstrip("/") + "/ogc"
app = QgsApplication([], False)
app.initQgis()
ids = [c["id"] for c in json.load(urllib.request.urlopen(base + "/collections"))["collections"]]
bad = 0
for name in ids:
    uri = f"url='{base}' typename='{name}' pagingEnabled='true' restrictToRequestBBOX='1'"
    layer = QgsVectorLayer(uri, name, "oapif")
    if not layer.isValid():
        print(f"{name}: INVALID {layer.error().summary()}")
        bad += 1
        continue
    box = QgsFeatureRequest().setFilterRect(QgsRectangle(-0.80, 52.00, -0.70, 52.06))
    n = sum(1 for _ in layer.getFeatures(box))
    print(f"{name}: valid, {n} features in the box, fields {[f.name() for f in layer.fields()][:5]}, crs {layer.crs().authid() or '(empty layer)'}, extent {layer.extent().toString(3)}")
# British National Grid. Debian 12's QGIS (3.22) has no OGC API - Features Part 2 in its
# oapif provider (asked for srsname='EPSG:27700' it still reads EPSG:4326), so QGIS reads the
# incidents as an analyst in British National Grid would otherwise take them: the CSV
# download in EPSG:27700 through the delimited-text provider. Every point, transformed back
# by QGIS (PROJ), must lie within 2 cm of the same incident in the WGS 84 download (written to
# 7 decimals, about 1 cm).
api = sys.argv[1].rstrip("/") + "/api/v1/export/incidents?format=csv"
tmp = tempfile.mkdtemp()
for name, url in (("wgs84.csv", api), ("bng.csv", api + "&crs=EPSG:27700")):
    urllib.request.urlretrieve(url, os.path.join(tmp, name))
wgs = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(open(os.path.join(tmp, "wgs84.csv")))}
layer = QgsVectorLayer(f"file://{tmp}/bng.csv?type=csv&wktField=wkt&geomType=point&crs=EPSG:27700", "incidents in EPSG:27700", "delimitedtext")
to_wgs = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
worst, n = 0.0, 0
for f in layer.getFeatures():
    p = to_wgs.transform(f.geometry().asPoint())
    lon, lat = wgs[str(f["id"])]
    worst = max(worst, math.hypot((p.x() - lon) * 111320 * math.cos(math.radians(lat)), (p.y() - lat) * 111320))
    n += 1
print(f"incidents CSV in EPSG:27700: valid {layer.isValid()}, crs {layer.crs().authid()}, {n} of {len(wgs)} points, furthest {worst * 1000:.1f} mm from the WGS 84 download after QGIS's transformation")
if not layer.isValid() or layer.crs().authid() != "EPSG:27700" or n != len(wgs) or worst > 0.02:
    bad += 1
sys.stdout.flush()
os._exit(1 if bad else 0)  # QGIS 3.22 can crash in exitQgis() when headless; nothing is left to do
