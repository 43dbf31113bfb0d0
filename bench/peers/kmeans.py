"""The scikit-learn peer of `make bench-kmeans`: KMeans(init="k-means++", n_init=10, algorithm="lloyd") on the data
plexus-bench wrote (float64, row-major), for each k given; prints the seconds of the fits and each k's inertia.

    python bench/peers/kmeans.py [--seeds N] FILE ROWS COLUMNS K [K ...]

With --seeds N > 1 each k is also fitted with random_state 1..N-1, untimed, and the mean inertia over the N seeds
reported (mean_inertia.kK), as plexus-bench does for the same data set.
"""
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

from common import report

arguments = sys.argv[1:]
seeds = 1
if arguments[0] == "--seeds":
    seeds, arguments = int(arguments[1]), arguments[2:]
path, rows, columns = arguments[0], int(arguments[1]), int(arguments[2])
data = np.fromfile(path, dtype="<f8").reshape(rows, columns)
values = {"sklearn": sklearn.__version__,
          "threads": max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"), default=1),
          "seconds": 0.0}
def fit(k, seed):
    return KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4, random_state=seed, algorithm="lloyd").fit(data)


for k in map(int, arguments[3:]):
    start = time.perf_counter()
    model = fit(k, 0)
    values["seconds"] += time.perf_counter() - start
    values[f"inertia.k{k}"] = float(model.inertia_)
    if seeds > 1:
        inertias = [model.inertia_] + [fit(k, seed).inertia_ for seed in range(1, seeds)]
        values[f"mean_inertia.k{k}"] = float(np.mean(inertias))
report(**values)
