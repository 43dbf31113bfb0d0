import ClusterPipeline

print("cluster: not implemented yet")
