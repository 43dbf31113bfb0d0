"""The scikit-learn peer of `make bench-kmeans`: KMeans(init="k-means++", n_init=10, algorithm="lloyd") on the data
plexus-bench wrote (float64, row-major), for each k given; prints the seconds of the fits and each k's inertia.

    python bench/peers/kmeans.py FILE ROWS COLUMNS K [K ...]
"""
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

from common import report

path, rows, columns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = np.fromfile(path, dtype="<f8").reshape(rows, columns)
values = {"sklearn": sklearn.__version__,
          "threads": max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"), default=1),
          "seconds": 0.0}
for k in map(int, sys.argv[4:]):
    start = time.perf_counter()
    model = KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4, random_state=0, algorithm="lloyd").fit(data)
    values["seconds"] += time.perf_counter() - start
    values[f"inertia.k{k}"] = float(model.inertia_)
report(**values)
