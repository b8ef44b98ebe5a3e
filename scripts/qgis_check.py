"""Loads every hexbeat OGC API collection in real QGIS (its "oapif" provider, as the
"Add WFS / OGC API - Features Layer" dialog does) and asks for the features in a box over
central Milton Keynes; then the incidents and cells again in British National Grid
(EPSG:27700). Run by scripts/qgis-check.sh; needs Debian's python3-qgis."""
import json
import os
import sys
import urllib.request

from qgis.core import QgsApplication, QgsFeatureRequest, QgsRectangle, QgsVectorLayer

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
# British National Grid (OGC API - Features Part 2): QGIS asks for the items in EPSG:27700,
# reads them as such, and a box in eastings and northings over central Milton Keynes holds
# what the same box in degrees holds
for name in ("incidents", "cells"):
    if name not in ids:
        continue
    uri = f"url='{base}' typename='{name}' srsname='EPSG:27700' pagingEnabled='true' restrictToRequestBBOX='1'"
    layer = QgsVectorLayer(uri, name + " in EPSG:27700", "oapif")
    if not layer.isValid() or layer.crs().authid() != "EPSG:27700":
        print(f"{name} in EPSG:27700: INVALID or in {layer.crs().authid()} {layer.error().summary()}")
        bad += 1
        continue
    box = QgsFeatureRequest().setFilterRect(QgsRectangle(483000, 235000, 490000, 241000))
    feats = list(layer.getFeatures(box))
    xs = [f.geometry().boundingBox().center().x() for f in feats]
    inside = all(400000 < x < 600000 for x in xs)
    print(f"{name} in EPSG:27700: valid, {len(feats)} features in the box, eastings {min(xs, default=0):.1f} to {max(xs, default=0):.1f}")
    if not feats or not inside:
        bad += 1
sys.stdout.flush()
os._exit(1 if bad else 0)  # QGIS 3.22 can crash in exitQgis() when headless; nothing is left to do
