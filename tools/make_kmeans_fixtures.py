"""Writes Tests/ClusterPipelineTests/Fixtures/kmeans.json: scikit-learn's KMeans and clustering scores on small
data sets, the reference the `cluster` pipeline's k-means and scores are tested against.

    python3 tools/make_kmeans_fixtures.py     # needs scikit-learn (pip install scikit-learn)

For every data set and k: KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4,
random_state=0, algorithm="lloyd") gives the inertia and labels; silhouette_score, davies_bouldin_score and
calinski_harabasz_score are computed on those labels. The data are rounded to 6 decimals before fitting, so the
Swift side parses exactly the numbers scikit-learn used. Deterministic: re-running gives the same file.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/ClusterPipelineTests/Fixtures/kmeans.json"
SETTINGS = {"n_init": 10, "max_iter": 300, "tol": 1e-4}


def datasets():
    rng = np.random.default_rng(7)
    # Overlapping blobs: k-means++ restarts matter here, and k other than 5 is a genuine compromise.
    blobs, _ = make_blobs(n_samples=300, n_features=4, centers=5, cluster_std=1.8, random_state=3)
    # Stretched, unequal clusters (the case where a single bad start costs the most inertia).
    stretched = np.vstack([
        rng.normal([0, 0, 0], [3.0, 0.5, 0.5], size=(200, 3)),
        rng.normal([6, 4, 0], [0.6, 2.5, 0.6], size=(150, 3)),
        rng.normal([-5, 6, 3], [0.8, 0.8, 1.5], size=(50, 3)),
    ])
    # No structure at all: k-means still has a best partition to find.
    uniform = rng.uniform(-1, 1, size=(200, 2))
    # Features on very different scales, as raw RFM features are before standardisation.
    scales = rng.lognormal(0, 1, size=(250, 5)) * np.array([1, 10, 100, 0.1, 1])
    return [("blobs", blobs, [2, 3, 5, 8]), ("stretched", stretched, [3, 4, 6]),
            ("uniform", uniform, [4, 7]), ("scales", scales, [2, 5])]


def main():
    sets, cases = [], []
    for name, data, ks in datasets():
        data = np.round(data, 6)
        sets.append({"name": name, "rows": data.shape[0], "columns": data.shape[1],
                     "data": [float(f"{v:.6f}") for v in data.ravel()]})
        for k in ks:
            model = KMeans(n_clusters=k, init="k-means++", algorithm="lloyd", random_state=0, **SETTINGS).fit(data)
            labels = model.labels_
            cases.append({
                "dataset": name, "k": k, "inertia": float(model.inertia_), "labels": labels.tolist(),
                "silhouette": float(silhouette_score(data, labels)),
                "davies_bouldin": float(davies_bouldin_score(data, labels)),
                "calinski_harabasz": float(calinski_harabasz_score(data, labels)),
            })
    # One item per line keeps diffs readable.
    lines = ",\n".join(json.dumps(item) for item in sets), ",\n".join(json.dumps(item) for item in cases)
    OUT.write_text(f'{{"sklearn_version": {json.dumps(sklearn.__version__)}, "settings": {json.dumps(SETTINGS)},\n'
                   f'"datasets": [\n{lines[0]}\n],\n"cases": [\n{lines[1]}\n]}}\n')
    json.loads(OUT.read_text())  # the file must stay valid JSON
    print(f"wrote {OUT.relative_to(OUT.parents[3])}: {len(sets)} data sets, {len(cases)} cases, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
