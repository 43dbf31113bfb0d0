import AnomalyPipeline

print("anomaly: not implemented yet")
