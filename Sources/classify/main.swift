import ClassifyPipeline

print("classify: not implemented yet")
