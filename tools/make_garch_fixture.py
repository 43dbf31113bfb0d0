"""Writes Tests/ForecastPipelineTests/Fixtures/garch.json: GARCH(1,1) fits by Kevin Sheppard's `arch`, which the
Swift GARCH (Sources/ForecastPipeline/Garch.swift) must match (parameters within 1e-3 relative, log-likelihood
within 1e-4 relative). CI never runs this; the JSON is committed. Run it in a throwaway venv:

    python3 -m venv /tmp/arch-venv && /tmp/arch-venv/bin/pip install arch==8.0.0
    sh data/forecast/build.sh && /tmp/arch-venv/bin/python tools/make_garch_fixture.py

The series are daily log returns × 100 (arch's own scaling; `rescale=False` so arch keeps them as given) of the
price files data/forecast/build.sh writes (which come from arch's own data sets), modelled as arch_model(y,
mean="Constant", vol="GARCH", p=1, q=1, dist="normal"). The fit uses a tighter tolerance than arch's default
(1e-12 instead of SLSQP's 1e-6), so the fixture holds the maximum and not a point where SLSQP stopped early.
"""
import csv
import json
import math
import os

import arch
from arch import arch_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "generated", "forecast")
OUT = os.path.join(ROOT, "Tests", "ForecastPipelineTests", "Fixtures", "garch.json")

# (name, file, price column, first row, rows): 1,500 returns each, a calm and a turbulent stretch.
SERIES = [
    ("sp500-2005", "sp500.csv", "Adj Close", 1510, 1501),
    ("wti-2001", "wti.csv", "DCOILWTICO", 3800, 1501),
]


def prices(file, column):
    with open(os.path.join(DATA, file)) as handle:
        values = [row[column] for row in csv.DictReader(handle)]
    # FRED writes "." for a missing day; carry the last price, as the pipeline does.
    out = []
    for value in values:
        out.append(float(value) if value not in ("", ".") else out[-1])
    return out


def main():
    fits = []
    for name, file, column, first, rows in SERIES:
        p = prices(file, column)[first:first + rows]
        # Rounded before the fit, so that the fixture's series is exactly the one arch saw.
        returns = [round(100 * math.log(b / a), 10) for a, b in zip(p, p[1:])]
        model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
        result = model.fit(disp="off", tol=1e-12, options={"maxiter": 1000})
        params = result.params
        fits.append({
            "name": name,
            "returns": returns,
            "mu": params["mu"], "omega": params["omega"], "alpha": params["alpha[1]"], "beta": params["beta[1]"],
            "log_likelihood": result.loglikelihood,
            "converged": int(result.convergence_flag) == 0,
        })
        print(f"{name}: {len(returns)} returns, mu {params['mu']:.6f} omega {params['omega']:.6f} alpha {params['alpha[1]']:.6f} "
              f"beta {params['beta[1]']:.6f}, log L {result.loglikelihood:.6f}")
    with open(OUT, "w") as handle:
        json.dump({"arch_version": arch.__version__, "model": "arch_model(y, mean='Constant', vol='GARCH', p=1, q=1, dist='normal', rescale=False)",
                   "fits": fits}, handle, indent=1)
        handle.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
