import ForecastPipeline

print("forecast: not implemented yet")
